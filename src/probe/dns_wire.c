#include <stdbool.h> /* first: without it ldns makes bool a signed char, another ABI */
#include <ldns/ldns.h>

#include "probe/dns_wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/obs.h"

int dns_type_parse(const char *s)
{
	ldns_rr_type t = ldns_get_rr_type_by_name(s);
	/* 0 is "unknown"; the meta types make no sense for a probe */
	if (t == 0 || t == LDNS_RR_TYPE_OPT || t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR)
		return ERR_PARSE;
	return (int)t;
}

char *dns_type_name(int type, char *out, size_t n)
{
	char *s = ldns_rr_type2str((ldns_rr_type)type);
	snprintf(out, n, "%s", s ? s : "?");
	free(s);
	return out;
}

char *dns_rcode_name(int rcode, char *out, size_t n)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                                    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                                    "NXRRSET", "NOTAUTH", "NOTZONE"};
	if (rcode >= 0 && rcode < (int)(sizeof names / sizeof names[0]))
		snprintf(out, n, "%s", names[rcode]);
	else if (rcode == 16)
		snprintf(out, n, "BADVERS");
	else
		snprintf(out, n, "RCODE%d", rcode);
	return out;
}

int dns_rcode_outcome(int rcode)
{
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
		return OUTCOME_OK;
	case LDNS_RCODE_SERVFAIL:
		return OUTCOME_DNS_SERVFAIL;
	case LDNS_RCODE_NXDOMAIN:
		return OUTCOME_DNS_NXDOMAIN;
	case LDNS_RCODE_REFUSED:
		return OUTCOME_DNS_REFUSED;
	default:
		return OUTCOME_DNS_RCODE;
	}
}

static void lower_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)tolower(src[i]);
}

int dns_query_build(struct dns_query *q, const char *name, uint16_t qtype, uint16_t id,
                    uint16_t edns_size, char *err, size_t errlen)
{
	int rc = ERR_PARSE;
	ldns_pkt *pkt = NULL;
	memset(q, 0, sizeof *q);
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	if (!dname || ldns_rdf_size(dname) > sizeof q->qname) {
		snprintf(err, errlen,
		         "'%s' is not a domain name (labels of 1 to 63 bytes, 255 bytes in all)",
		         name);
		goto fail;
	}
	q->qname_len = ldns_rdf_size(dname);
	lower_copy(q->qname, ldns_rdf_data(dname), q->qname_len);
	pkt = ldns_pkt_query_new(dname, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN, 0);
	dname = NULL; /* now owned by pkt */
	if (!pkt) {
		snprintf(err, errlen, "cannot build a query for '%s'", name);
		goto fail;
	}
	ldns_pkt_set_id(pkt, id);
	ldns_pkt_set_rd(pkt, false);
	if (edns_size)
		ldns_pkt_set_edns_udp_size(pkt, edns_size);
	ldns_status st = ldns_pkt2wire(&q->wire, pkt, &q->len);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "cannot encode the query: %s", ldns_get_errorstr_by_id(st));
		goto fail;
	}
	q->id = id;
	q->qtype = qtype;
	rc = 0;
fail:
	ldns_rdf_deep_free(dname);
	ldns_pkt_free(pkt);
	if (rc)
		dns_query_free(q);
	return rc;
}

void dns_query_set_id(struct dns_query *q, uint16_t id)
{
	q->id = id;
	if (q->wire && q->len >= 2) {
		q->wire[0] = (uint8_t)(id >> 8);
		q->wire[1] = (uint8_t)id;
	}
}

void dns_query_free(struct dns_query *q)
{
	free(q->wire);
	memset(q, 0, sizeof *q);
}

void dns_answer_free(struct dns_answer *a)
{
	buf_free(&a->records);
	memset(a, 0, sizeof *a);
}

static void add_record(struct buf *b, const ldns_rr *rr)
{
	char tn[16];
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	if (b->len)
		buf_putc(b, ',');
	buf_puts(b, "{\"name\":");
	json_str(b, owner ? owner : "?");
	buf_puts(b, ",\"type\":");
	json_str(b, dns_type_name(ldns_rr_get_type(rr), tn, sizeof tn));
	buf_printf(b, ",\"ttl\":%u,\"data\":", (unsigned)ldns_rr_ttl(rr));
	struct buf data = {0};
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, i));
		if (i)
			buf_putc(&data, ' ');
		buf_puts(&data, s ? s : "?");
		free(s);
	}
	json_str(b, data.p ? data.p : "");
	buf_free(&data);
	buf_putc(b, '}');
	free(owner);
}

static bool find_serial(const ldns_rr_list *l, uint32_t *serial)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) >= 3 &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 2)) == 4) {
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			return true;
		}
	}
	return false;
}

static int check_question(const struct dns_query *q, const ldns_pkt *pkt, char *err, size_t errlen)
{
	const ldns_rr_list *qs = ldns_pkt_question(pkt);
	size_t n = ldns_rr_list_rr_count(qs);
	if (n == 0 && ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR)
		return 0; /* an error answer may leave the question out (RFC 1035 leaves it open) */
	if (n != 1) {
		snprintf(err, errlen, "answer carries %zu questions, expected our one", n);
		return ERR_INVAL;
	}
	const ldns_rr *rr = ldns_rr_list_rr(qs, 0);
	const ldns_rdf *owner = ldns_rr_owner(rr);
	uint8_t name[256];
	size_t len = ldns_rdf_size(owner);
	if (len != q->qname_len || len > sizeof name) {
		snprintf(err, errlen, "answer's question names another domain");
		return ERR_INVAL;
	}
	lower_copy(name, ldns_rdf_data(owner), len);
	if (memcmp(name, q->qname, len)) {
		snprintf(err, errlen, "answer's question names another domain");
		return ERR_INVAL;
	}
	if (ldns_rr_get_type(rr) != q->qtype || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		snprintf(err, errlen, "answer's question has type %u class %u, expected %u IN",
		         (unsigned)ldns_rr_get_type(rr), (unsigned)ldns_rr_get_class(rr),
		         (unsigned)q->qtype);
		return ERR_INVAL;
	}
	return 0;
}

int dns_answer_check(const struct dns_query *q, const uint8_t *wire, size_t len,
                     struct dns_answer *a, char *err, size_t errlen)
{
	int rc;
	ldns_pkt *pkt = NULL;
	struct buf keep = a->records;
	buf_reset(&keep);
	memset(a, 0, sizeof *a);
	a->records = keep;
	a->size = len;
	err[0] = '\0';
	if (len < LDNS_HEADER_SIZE) {
		snprintf(err, errlen, "answer of %zu bytes, shorter than a DNS header (12)", len);
		return ERR_TRUNC;
	}
	if (len > LDNS_MAX_PACKETLEN) {
		snprintf(err, errlen, "answer of %zu bytes, longer than a DNS message can be", len);
		return ERR_PARSE;
	}
	/* the header first: a reply to someone else is rejected before any parsing */
	a->id = LDNS_ID_WIRE(wire);
	a->qdcount = LDNS_QDCOUNT(wire);
	a->ancount = LDNS_ANCOUNT(wire);
	a->nscount = LDNS_NSCOUNT(wire);
	a->arcount = LDNS_ARCOUNT(wire);
	a->aa = LDNS_AA_WIRE(wire);
	a->tc = LDNS_TC_WIRE(wire);
	a->ra = LDNS_RA_WIRE(wire);
	a->rcode = LDNS_RCODE_WIRE(wire);
	if (a->id != q->id) {
		snprintf(err, errlen, "answer ID 0x%04x does not match the query's 0x%04x", a->id,
		         q->id);
		return ERR_INVAL;
	}
	if (!LDNS_QR_WIRE(wire) || LDNS_OPCODE_WIRE(wire) != LDNS_PACKET_QUERY) {
		snprintf(err, errlen, "not an answer to a query (QR %d, opcode %d)",
		         LDNS_QR_WIRE(wire) ? 1 : 0, LDNS_OPCODE_WIRE(wire));
		return ERR_INVAL;
	}
	ldns_status st = ldns_wire2pkt(&pkt, wire, len);
	if (st != LDNS_STATUS_OK) {
		bool cut = st == LDNS_STATUS_PACKET_OVERFLOW ||
		           st == LDNS_STATUS_WIRE_INCOMPLETE_HEADER ||
		           st == LDNS_STATUS_WIRE_INCOMPLETE_QUESTION ||
		           st == LDNS_STATUS_WIRE_INCOMPLETE_ANSWER ||
		           st == LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY ||
		           st == LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL;
		snprintf(err, errlen, "%s answer of %zu bytes: %s", cut ? "truncated" : "malformed",
		         len, ldns_get_errorstr_by_id(st));
		pkt = NULL;
		rc = cut ? ERR_TRUNC : ERR_PARSE;
		goto fail;
	}
	rc = check_question(q, pkt, err, errlen);
	if (rc)
		goto fail;
	a->rcode = (int)ldns_pkt_get_rcode(pkt) | ((int)ldns_pkt_edns_extended_rcode(pkt) << 4);
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == q->qtype)
			a->matching++;
		if (i < DNS_RECORDS_MAX)
			add_record(&a->records, rr);
	}
	a->has_serial =
	    find_serial(an, &a->serial) || find_serial(ldns_pkt_authority(pkt), &a->serial);
	rc = 0;
fail:
	ldns_pkt_free(pkt);
	return rc;
}
