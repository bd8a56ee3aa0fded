/*
 * bgp.h - BGP-4 messages and path attributes, decoded in place (RFC 4271,
 * RFC 6793 4-byte ASNs, RFC 4760 multiprotocol, RFC 7911 add-path, RFC 1997
 * communities, RFC 8092 large communities, RFC 2918 route refresh).
 *
 * One decoder for every source of BGP bytes: the MRT reader (archives, where
 * attributes also stand alone in RIB entries) and the live collector (a TCP
 * session). It is pure: bytes and the session's reading options in, structs
 * out; no allocation, no I/O, no clock.
 *
 * Ownership: every pointer a decoded struct holds (AS paths, communities,
 * NLRI blocks, unknown attributes, NOTIFICATION data) points into the bytes
 * the caller passed in, and is valid exactly as long as those bytes are. The
 * structs themselves are caller-provided (stack or arena); decoding writes
 * only the fields it sets, and `present` says which attributes were seen, so
 * read a field only when its bit is set.
 *
 * Bounds: every length is checked against the bytes that hold it before
 * anything is read; nothing reads past `len`. A malformed message yields a
 * negative ERR_* and a struct bgp_error with the byte offset (from the start
 * of the buffer given to the call) and the NOTIFICATION code/subcode a BGP
 * speaker should send (RFC 4271 section 6). Decoding goes on past an error
 * wherever the framing allows (the first error is the one reported): other
 * attributes stay decoded and an NLRI block with a bad prefix is cut to the
 * sound prefixes before it, so an archive reader can still show them; a
 * speaker resets the session on any error.
 *
 * Prefixes from NLRI are returned with the bits beyond the prefix length
 * cleared (RFC 4271 4.3: "the value of trailing bits is irrelevant").
 */
#ifndef BLACKOUT_BGP_BGP_H
#define BLACKOUT_BGP_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define BGP_MARKER_LEN 16
#define BGP_HEADER_LEN 19
#define BGP_MAX_LEN 4096      /* RFC 4271 */
#define BGP_EXT_MAX_LEN 65535 /* RFC 8654 extended messages */
#define BGP_AS_TRANS 23456

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

enum { BGP_AFI_IPV4 = 1, BGP_AFI_IPV6 = 2 };
enum { BGP_SAFI_UNICAST = 1, BGP_SAFI_MULTICAST = 2, BGP_SAFI_BOTH = 3 };

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};
#define BGP_ATTR_BIT(t) (UINT64_C(1) << (t))

enum { BGP_ATTR_F_OPTIONAL = 0x80, BGP_ATTR_F_TRANSITIVE = 0x40, BGP_ATTR_F_PARTIAL = 0x20,
       BGP_ATTR_F_EXTLEN = 0x10 };

enum bgp_origin { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };

enum bgp_seg_type { BGP_AS_SET = 1, BGP_AS_SEQUENCE = 2, BGP_AS_CONFED_SEQUENCE = 3,
		    BGP_AS_CONFED_SET = 4 };

/* NOTIFICATION error codes (RFC 4271 4.5, RFC 4486 cease subcodes). */
enum bgp_notify_code {
	BGP_ERR_HEADER = 1, /* sub: 1 not synchronized, 2 bad length, 3 bad type */
	BGP_ERR_OPEN = 2,   /* sub: 1 version, 2 bad peer AS, 3 bad id, 4 optional parameter,
			       6 hold time, 7 unsupported capability */
	BGP_ERR_UPDATE = 3, /* sub: 1 malformed attribute list, 2 unrecognized well-known,
			       3 missing well-known, 4 flags, 5 length, 6 origin, 8 next hop,
			       9 optional attribute, 10 network field, 11 malformed AS_PATH */
	BGP_ERR_HOLD_TIMER = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6, /* sub: 2 administrative shutdown, 3 peer de-configured,
			      5 connection rejected, 7 collision */
};

/* What went wrong, where. offset counts from the start of the buffer passed
 * to the failing call. */
struct bgp_error {
	int err;         /* ERR_PARSE, ERR_TRUNC, ERR_UNSUPPORTED */
	uint32_t offset;
	uint8_t code;    /* enum bgp_notify_code to send, 0 if none applies */
	uint8_t subcode;
	char msg[96];
};

/* How to read a session's bytes (what the OPEN exchange negotiated, or what
 * an MRT subtype says). */
struct bgp_opts {
	bool as4;          /* AS_PATH and AGGREGATOR carry 4-byte ASNs */
	uint8_t addpath;   /* bit (1 << afi): NLRI of that AFI carry path ids */
	bool mrt_rib;      /* MP_REACH_NLRI may be the RFC 6396 4.3.4 short form */
	bool extended;     /* RFC 8654: messages up to 65535 bytes */
};

/* A run of NLRI bytes, walked with bgp_nlri_next(). */
struct bgp_nlri_block {
	const uint8_t *p; /* borrowed */
	uint32_t len;
	uint16_t afi;
	uint8_t safi;
	bool addpath;
};

struct bgp_nlri {
	struct prefix prefix; /* trailing bits cleared */
	uint32_t path_id;     /* 0 without add-path */
};

struct bgp_aspath {
	const uint8_t *p; /* borrowed: the attribute value */
	uint32_t len;
	uint8_t asn_size; /* 2 or 4 */
};

struct bgp_asseg {
	uint8_t type; /* enum bgp_seg_type */
	uint8_t count;
	uint8_t asn_size;
	const uint8_t *asns; /* borrowed: count * asn_size bytes */
};

struct bgp_unknown_attr {
	uint8_t flags, type;
	uint16_t len;
	const uint8_t *p; /* borrowed */
};

#define BGP_MAX_UNKNOWN 8

struct bgp_mp_reach {
	uint16_t afi;
	uint8_t safi;
	uint8_t nh_len;     /* 4, 16 or 32 normally (32: global + link-local) */
	const uint8_t *nh;  /* borrowed, nh_len bytes */
	bool short_form;    /* RFC 6396 RIB form: next hop only, no AFI/SAFI/NLRI */
	struct bgp_nlri_block nlri;
};

struct bgp_mp_unreach {
	uint16_t afi;
	uint8_t safi;
	struct bgp_nlri_block nlri;
};

struct bgp_attrs {
	uint64_t present; /* BGP_ATTR_BIT(type) for each type < 64 that was seen */
	uint8_t origin;
	struct bgp_aspath as_path, as4_path;
	uint8_t next_hop[4];
	uint32_t med, local_pref;
	uint32_t aggregator_as, as4_aggregator_as;
	uint8_t aggregator_ip[4], as4_aggregator_ip[4];
	uint8_t originator_id[4];
	const uint8_t *communities;       /* borrowed, 4 bytes each, network order */
	const uint8_t *large_communities; /* borrowed, 12 bytes each */
	const uint8_t *ext_communities;   /* borrowed, 8 bytes each */
	const uint8_t *cluster_list;      /* borrowed, 4 bytes each */
	uint16_t n_communities, n_large_communities, n_ext_communities, n_cluster;
	struct bgp_mp_reach mp_reach;
	struct bgp_mp_unreach mp_unreach;
	uint16_t n_unknown;         /* how many unknown attributes (may exceed the array) */
	struct bgp_unknown_attr unknown[BGP_MAX_UNKNOWN];
	const uint8_t *raw;         /* borrowed: the whole attribute block */
	uint32_t raw_len;
	bool complete; /* every attribute was framed soundly (one may still have a bad value) */
};

static inline bool bgp_has(const struct bgp_attrs *a, unsigned type)
{
	return type < 64 && (a->present & BGP_ATTR_BIT(type));
}

struct bgp_update {
	struct bgp_nlri_block withdrawn; /* IPv4 unicast */
	struct bgp_attrs attrs;
	struct bgp_nlri_block nlri;      /* IPv4 unicast */
	/* the blocks could be located: their prefixes can be listed even when the
	 * call failed (a block with a bad prefix is cut to the sound ones before it;
	 * a bad attribute leaves its neighbours decoded) */
	bool nlri_ok;
};

struct bgp_afi_safi {
	uint16_t afi;
	uint8_t safi;
	uint8_t mode; /* add-path: 1 receive, 2 send, 3 both; 0 for MP */
};

#define BGP_MAX_FAMILIES 8

struct bgp_open {
	uint8_t version;
	uint16_t my_as;     /* the 2-byte field (AS_TRANS for big ASNs) */
	uint16_t hold_time;
	uint8_t bgp_id[4];
	bool has_as4;
	uint32_t as4;       /* capability 65 */
	bool route_refresh; /* capability 2 (or 128, the pre-standard code) */
	bool extended_msg;  /* capability 6 */
	bool graceful_restart;
	uint8_t n_mp, n_addpath;
	struct bgp_afi_safi mp[BGP_MAX_FAMILIES];      /* capability 1 */
	struct bgp_afi_safi addpath[BGP_MAX_FAMILIES]; /* capability 69 */
	uint16_t n_unknown_caps;
};

/* The speaker's ASN: the 4-byte capability if present, else the 2-byte field. */
static inline uint32_t bgp_open_asn(const struct bgp_open *o)
{
	return o->has_as4 ? o->as4 : o->my_as;
}

struct bgp_notification {
	uint8_t code, subcode;
	const uint8_t *data; /* borrowed */
	uint16_t len;
};

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype; /* RFC 7313: 0 normal, 1 BoRR, 2 EoRR */
	uint8_t safi;
};

struct bgp_msg {
	uint8_t type;       /* enum bgp_msg_type */
	uint16_t len;       /* whole message, header included */
	const uint8_t *body; /* borrowed: after the 19-byte header */
	uint16_t body_len;
	union {
		struct bgp_open open;
		struct bgp_update update;
		struct bgp_notification notification;
		struct bgp_route_refresh route_refresh;
	} u;
};

/* Framing: returns the length of the message starting at p when its header
 * is complete and sane, 0 when more bytes are needed, or a negative ERR_* with
 * e filled (bad marker, bad length). */
int bgp_frame(const uint8_t *p, size_t n, bool extended, struct bgp_error *e) MUSTCHECK;

/* Decodes one whole message (header included; n must be its length). */
int bgp_msg_parse(const uint8_t *p, size_t n, const struct bgp_opts *o, struct bgp_msg *m,
		  struct bgp_error *e) MUSTCHECK;

/* The bodies, without the 19-byte header (legacy MRT records store them so).
 * Offsets in e are from p. */
int bgp_open_parse(const uint8_t *p, size_t n, struct bgp_open *out,
		   struct bgp_error *e) MUSTCHECK;
int bgp_update_parse(const uint8_t *p, size_t n, const struct bgp_opts *o,
		     struct bgp_update *out, struct bgp_error *e) MUSTCHECK;
int bgp_notification_parse(const uint8_t *p, size_t n, struct bgp_notification *out,
			   struct bgp_error *e) MUSTCHECK;
int bgp_route_refresh_parse(const uint8_t *p, size_t n, struct bgp_route_refresh *out,
			    struct bgp_error *e) MUSTCHECK;

/* A path attribute block on its own (MRT RIB entries). */
int bgp_attrs_parse(const uint8_t *p, size_t n, const struct bgp_opts *o, struct bgp_attrs *out,
		    struct bgp_error *e) MUSTCHECK;

/* NLRI: bgp_nlri_next returns 1 with *out set, 0 at the end, or ERR_PARSE for
 * a prefix longer than the family allows or running past the block. Blocks
 * that came out of bgp_update_parse / bgp_attrs_parse are already validated. */
struct bgp_nlri_iter {
	const uint8_t *p, *end;
	uint16_t afi;
	bool addpath;
};
void bgp_nlri_iter_init(struct bgp_nlri_iter *it, const struct bgp_nlri_block *b);
int bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_nlri *out);
/* Counts the prefixes of a block, or returns ERR_PARSE. */
int bgp_nlri_count(const struct bgp_nlri_block *b);

/* AS paths: segments in order. *cursor starts at 0. */
bool bgp_aspath_next(const struct bgp_aspath *path, uint32_t *cursor, struct bgp_asseg *out);
static inline uint32_t bgp_asseg_asn(const struct bgp_asseg *s, unsigned i)
{
	const uint8_t *q = s->asns + (size_t)i * s->asn_size;
	return s->asn_size == 4 ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
				: (uint32_t)q[0] << 8 | q[1];
}
/* RFC 4271 9.1.2.2 length: an AS_SET counts 1, confederation segments 0. */
unsigned bgp_aspath_length(const struct bgp_aspath *path);
/* The origin AS: the last ASN of a final AS_SEQUENCE; 0 when the path is
 * empty or ends in a set (no single origin). */
uint32_t bgp_aspath_origin(const struct bgp_aspath *path);

/* The AS path a 4-byte speaker sees (RFC 6793 4.2.3): for a 2-byte session
 * with AS4_PATH, the leading part of AS_PATH and then AS4_PATH, written into
 * buf (4-byte ASNs) and *out pointing at it; otherwise *out = the AS_PATH as
 * is. Also picks the aggregator (AS4_AGGREGATOR when AGGREGATOR is AS_TRANS).
 * buf needs 2 * as_path.len + as4_path.len bytes at most (BGP_MERGE_BUF). */
#define BGP_MERGE_BUF (3 * 65536)
struct bgp_effective {
	struct bgp_aspath path;
	bool has_aggregator;
	uint32_t aggregator_as;
	uint8_t aggregator_ip[4];
};
void bgp_attrs_effective(const struct bgp_attrs *a, uint8_t *buf, size_t cap,
			 struct bgp_effective *out);

/* Builders for the speaker: each writes one whole message into buf (cap
 * bytes) and returns its length, or ERR_TOOBIG. */
struct bgp_open_params {
	uint32_t asn;
	uint16_t hold_time;
	uint8_t bgp_id[4];
	bool ipv4_unicast, ipv6_unicast; /* MP capabilities to offer */
	bool addpath_receive;            /* offer add-path receive for those */
	bool route_refresh;
};
int bgp_build_open(uint8_t *buf, size_t cap, const struct bgp_open_params *p) MUSTCHECK;
int bgp_build_keepalive(uint8_t *buf, size_t cap) MUSTCHECK;
int bgp_build_notification(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
			   const uint8_t *data, size_t len) MUSTCHECK;

/* Names for people and JSON. */
const char *bgp_msg_type_name(unsigned type);   /* "UPDATE"; "UNKNOWN" */
const char *bgp_origin_name(unsigned origin);    /* "IGP", "EGP", "INCOMPLETE" */
const char *bgp_notify_name(unsigned code);      /* "Hold Timer Expired" */

#endif
