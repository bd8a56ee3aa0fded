/*
 * mrt.h - MRT routing archives (RFC 6396, RFC 8050 add-path), read as a
 * stream of records; and BGP4MP_ET records written by the live collector.
 *
 * Reading: mrt_next() hands out one record at a time, decoded:
 *   TABLE_DUMP (type 12; also the batched RIPE RIS 2000 form, see below),
 *   TABLE_DUMP_V2 (13): PEER_INDEX_TABLE, RIB_IPV4/IPV6_UNICAST/MULTICAST and
 *     their _ADDPATH variants; RIB_GENERIC is skipped with a note,
 *   BGP4MP (16) and BGP4MP_ET (17): STATE_CHANGE(_AS4), MESSAGE(_AS4), the
 *     _LOCAL and _ADDPATH variants; the BGP message decoded by bgp/bgp.h,
 *   legacy BGP (5) and BGP4PLUS (9, 10) records of the 1999-era files.
 * Other types (OSPF, IS-IS, the deprecated ones) come out as MRT_KIND_OTHER.
 *
 * Input is a file (plain, gzip or bzip2, by content; core/zread.h) or
 * memory. Memory stays flat: one input window that grows to the largest
 * record (records above MRT_MAX_RECORD are treated as damage).
 *
 * Ownership: the record, every pointer in it (body, entries, peers, the
 * decoded BGP message, its attributes) are borrowed from the reader and valid
 * until the next mrt_next() or mrt_reader_free() call on that reader.
 *
 * mrt_next() returns > 0 with a record, 0 at the end, < 0 when reading
 * cannot go on (an I/O error); after < 0 it returns 0.
 *
 * Damage: the reader never stops on bad bytes it can get past, never reads
 * outside its window and always moves forward (no loops). Each problem is
 * reported through the warn callback with the file name and the byte offset
 * (in the decompressed stream), then:
 *   - a header that cannot be a record (unknown type, impossible length),
 *     garbage between records: scan forward to the next offset where two
 *     consecutive plausible headers start (or one that ends exactly at EOF);
 *   - a length that overruns into the next record: cut the record where the
 *     next plausible header chain starts;
 *   - a truncated last record or compressed stream: warn and end;
 *   - a RIB record without a PEER_INDEX_TABLE, a peer index out of range, a
 *     BGP message that does not decode: warn, and the record or entry comes
 *     out with its error set (bgp_err / attr_err) so callers can skip it.
 * Level MRT_NOTE is for input that is unusual but fully read (RIB_GENERIC
 * skipped, the 2000-era batched TABLE_DUMP records); MRT_DAMAGE means data
 * was lost or is unreliable, and mrt_reader_damage() counts those.
 *
 * The RIPE RIS files of 1999-2000 (e.g. rrc00 bview.20000111.0032) hold
 * TABLE_DUMP records that batch many entries after one view/sequence header
 * and whose length field leaves those 4 bytes out. A TABLE_DUMP record whose
 * entries run exactly 4 bytes past its declared length, followed by a
 * plausible header, is read whole, with one note per file.
 *
 * Writing: mrt_write_* append one record to a caller buffer; the collector
 * writes it out. Only the BGP4MP_ET form is written (microsecond times).
 */
#ifndef BLACKOUT_BGP_MRT_H
#define BLACKOUT_BGP_MRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"

enum mrt_type {
	MRT_BGP = 5, /* legacy */
	MRT_BGP4PLUS = 9,
	MRT_BGP4PLUS_01 = 10,
	MRT_OSPFV2 = 11,
	MRT_TABLE_DUMP = 12,
	MRT_TABLE_DUMP_V2 = 13,
	MRT_BGP4MP = 16,
	MRT_BGP4MP_ET = 17,
	MRT_ISIS = 32,
	MRT_ISIS_ET = 33,
	MRT_OSPFV3 = 48,
	MRT_OSPFV3_ET = 49,
};

enum mrt_td2_subtype {
	MRT_PEER_INDEX_TABLE = 1,
	MRT_RIB_IPV4_UNICAST = 2,
	MRT_RIB_IPV4_MULTICAST = 3,
	MRT_RIB_IPV6_UNICAST = 4,
	MRT_RIB_IPV6_MULTICAST = 5,
	MRT_RIB_GENERIC = 6,
	MRT_RIB_IPV4_UNICAST_ADDPATH = 8,
	MRT_RIB_IPV4_MULTICAST_ADDPATH = 9,
	MRT_RIB_IPV6_UNICAST_ADDPATH = 10,
	MRT_RIB_IPV6_MULTICAST_ADDPATH = 11,
	MRT_RIB_GENERIC_ADDPATH = 12,
};

enum mrt_bgp4mp_subtype {
	MRT_BGP4MP_STATE_CHANGE = 0,
	MRT_BGP4MP_MESSAGE = 1,
	MRT_BGP4MP_ENTRY = 2,
	MRT_BGP4MP_SNAPSHOT = 3,
	MRT_BGP4MP_MESSAGE_AS4 = 4,
	MRT_BGP4MP_STATE_CHANGE_AS4 = 5,
	MRT_BGP4MP_MESSAGE_LOCAL = 6,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL = 7,
	MRT_BGP4MP_MESSAGE_ADDPATH = 8,
	MRT_BGP4MP_MESSAGE_AS4_ADDPATH = 9,
	MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH = 10,
	MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH = 11,
};

/* Legacy type 5 (and 9/10) subtypes. */
enum mrt_legacy_subtype {
	MRT_LEGACY_NULL = 0,
	MRT_LEGACY_UPDATE = 1,
	MRT_LEGACY_PREF_UPDATE = 2,
	MRT_LEGACY_STATE_CHANGE = 3,
	MRT_LEGACY_SYNC = 4,
	MRT_LEGACY_OPEN = 5,
	MRT_LEGACY_NOTIFY = 6,
	MRT_LEGACY_KEEPALIVE = 7,
};

/* BGP FSM states as MRT stores them (RFC 6396 4.4.1). */
enum mrt_bgp_state {
	MRT_STATE_IDLE = 1,
	MRT_STATE_CONNECT = 2,
	MRT_STATE_ACTIVE = 3,
	MRT_STATE_OPENSENT = 4,
	MRT_STATE_OPENCONFIRM = 5,
	MRT_STATE_ESTABLISHED = 6,
};

#define MRT_HEADER_LEN 12
#define MRT_MAX_RECORD (64u << 20)

enum mrt_kind {
	MRT_KIND_OTHER = 0,  /* not decoded (OSPF, IS-IS, RIB_GENERIC, ...): body only */
	MRT_KIND_PEER_INDEX, /* TABLE_DUMP_V2 PEER_INDEX_TABLE */
	MRT_KIND_RIB,        /* TABLE_DUMP, TABLE_DUMP_V2 RIB_*: rib.entries */
	MRT_KIND_MESSAGE,    /* BGP4MP(_ET) MESSAGE*, legacy BGP messages: bgp.msg */
	MRT_KIND_STATE,      /* BGP4MP(_ET) STATE_CHANGE*, legacy STATE_CHANGE */
};

struct mrt_peer {
	struct addr ip;
	uint32_t asn;
	uint8_t bgp_id[4];
};

struct mrt_rib_entry {
	struct prefix prefix;        /* TABLE_DUMP: each entry's own; v2: the record's */
	const struct mrt_peer *peer; /* borrowed: the reader's peer table or the entry */
	struct mrt_peer own_peer;    /* TABLE_DUMP (v1) entries carry their peer */
	uint16_t peer_index;         /* v2 */
	uint8_t status;              /* v1 */
	uint32_t originated;         /* Unix seconds */
	uint32_t path_id;            /* add-path subtypes, else 0 */
	struct bgp_attrs attrs;
	int attr_err;                /* 0, or the ERR_* of decoding the attributes */
	struct bgp_error attr_error; /* offsets from the entry's attribute block */
};

struct mrt_record {
	/* header */
	uint32_t time;     /* Unix seconds */
	uint32_t usec;     /* BGP4MP_ET and other _ET types, else 0 */
	uint16_t type, subtype;
	uint32_t length;   /* as declared */
	uint64_t offset;   /* of the header, in the (decompressed) stream */
	const uint8_t *body; /* borrowed: after the header (and the ET microseconds) */
	uint32_t body_len;
	enum mrt_kind kind;

	struct {                        /* MRT_KIND_RIB */
		uint16_t afi;           /* BGP_AFI_IPV4 / BGP_AFI_IPV6 */
		uint8_t safi;           /* unicast or multicast */
		bool addpath;
		bool v1;                /* TABLE_DUMP (type 12) */
		uint16_t view;          /* v1 */
		uint32_t seq;
		struct prefix prefix;   /* v2 (v1: the first entry's) */
		uint32_t n_entries;
		struct mrt_rib_entry *entries; /* borrowed */
	} rib;

	struct {                        /* MRT_KIND_PEER_INDEX */
		uint8_t collector_id[4];
		const char *view_name;  /* borrowed, not NUL-terminated */
		uint16_t view_len;
		uint16_t n_peers;
		const struct mrt_peer *peers; /* borrowed */
	} index;

	struct {                        /* MRT_KIND_MESSAGE and MRT_KIND_STATE */
		struct addr peer_ip, local_ip;
		uint32_t peer_as, local_as;
		uint16_t ifindex;
		uint16_t afi;           /* of the addresses */
		bool as4, addpath;
		bool local;             /* _LOCAL subtypes: sent by the collector */
		bool legacy;            /* types 5, 9, 10 (message body without header) */
		bool no_address;        /* the 8-byte Zebra state change, Zebra OPENs */
		uint16_t old_state, new_state; /* MRT_KIND_STATE */
		const uint8_t *raw;     /* MESSAGE: the BGP bytes as stored (borrowed) */
		uint32_t raw_len;
		struct bgp_msg msg;     /* MESSAGE: decoded (legacy: type from subtype) */
		int err;                /* 0, or ERR_* when the message did not decode */
		struct bgp_error error; /* offsets from raw */
	} bgp;
};

enum mrt_warn_level { MRT_NOTE = 0, MRT_DAMAGE = 1 };

struct mrt_warning {
	const char *name;  /* the file name given at open ("-" for stdin, "memory") */
	uint64_t offset;   /* byte offset in the decompressed stream */
	enum mrt_warn_level level;
	const char *msg;   /* one line, no file/offset prefix */
};

struct mrt_reader_opts {
	/* Called for every warning; may be NULL (warnings are then only counted).
	 * The warning is borrowed for the call. */
	void (*warn)(void *ctx, const struct mrt_warning *w);
	void *ctx;
};

struct mrt_reader;

/* Opens a file ("-" is stdin). err gets "PATH: reason" on failure. */
int mrt_reader_open(const char *path, const struct mrt_reader_opts *opts,
		    struct mrt_reader **out, char *err, size_t errlen) MUSTCHECK;
/* A reader over memory (borrowed, must outlive the reader); name for messages. */
struct mrt_reader *mrt_reader_new_mem(const uint8_t *data, size_t len, const char *name,
				      const struct mrt_reader_opts *opts);
void mrt_reader_free(struct mrt_reader *r);

int mrt_next(struct mrt_reader *r, const struct mrt_record **rec) MUSTCHECK;

unsigned mrt_reader_damage(const struct mrt_reader *r); /* MRT_DAMAGE warnings so far */
unsigned mrt_reader_notes(const struct mrt_reader *r);
uint64_t mrt_reader_records(const struct mrt_reader *r); /* records returned */
/* The peer table of the last PEER_INDEX_TABLE (NULL, 0 if none yet). */
const struct mrt_peer *mrt_reader_peers(const struct mrt_reader *r, uint16_t *n);

/* Names: "TABLE_DUMP_V2", "BGP4MP_ET", ...; "UNKNOWN" for others. */
const char *mrt_type_name(unsigned type);
const char *mrt_state_name(unsigned state); /* "Established"; "Unknown" */

/* ---- route entries ----
 * A record's routes one by one, in the order bgpdump prints them: RIB
 * entries; or withdrawals (IPv4 field, then MP_UNREACH_NLRI) and then
 * announcements (IPv4 NLRI, then MP_REACH_NLRI) of an UPDATE. Only IPv4 and
 * IPv6 unicast/multicast families are listed; an UPDATE whose NLRI are not
 * sound and RIB entries without a peer are left out (the reader warned). */
enum mrt_route_kind { MRT_ROUTE_RIB, MRT_ROUTE_ANNOUNCE, MRT_ROUTE_WITHDRAW };

struct mrt_route {
	enum mrt_route_kind kind;
	const struct addr *peer_ip; /* borrowed from the record */
	uint32_t peer_as;
	struct prefix prefix;       /* trailing bits cleared */
	uint32_t path_id;
	bool addpath;
	uint16_t safi;
	const struct bgp_attrs *attrs; /* RIB, ANNOUNCE (borrowed); NULL for WITHDRAW */
	const uint8_t *next_hop;    /* the next hop that applies, NULL if none */
	uint8_t nh_len;             /* 4, 16 or 32 */
	uint32_t originated;        /* RIB */
};

/* Calls fn for each route of rec; returns how many. */
size_t mrt_record_routes(const struct mrt_record *rec,
			 void (*fn)(void *ctx, const struct mrt_route *r), void *ctx);

/* ---- writing (BGP4MP_ET) ----
 * time_us: wall clock (UTC microseconds). The addresses' family picks the AFI;
 * peer and local must have the same family. */
struct mrt_session {
	struct addr peer_ip, local_ip;
	uint32_t peer_as, local_as;
};
/* A received BGP message (header included) as BGP4MP_ET MESSAGE_AS4 (or
 * MESSAGE_AS4_ADDPATH when addpath is set). */
void mrt_write_message(struct buf *out, int64_t time_us, const struct mrt_session *s,
		       bool addpath, const uint8_t *msg, size_t len);
/* A state change as BGP4MP_ET STATE_CHANGE_AS4. */
void mrt_write_state(struct buf *out, int64_t time_us, const struct mrt_session *s,
		     uint16_t old_state, uint16_t new_state);

#endif
