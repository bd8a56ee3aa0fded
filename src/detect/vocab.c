/* vocab.c - names and texts of the detector's tables (detect.h), and the outcome
 * classes: what each core/obs.h outcome says about a target. */
#include <string.h>

#include "detect/detect.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const layer_names[] = {
#define X(name, code, text) code,
	DETECT_LAYER_TABLE(X)
#undef X
};
static const char *const layer_texts[] = {
#define X(name, code, text) text,
	DETECT_LAYER_TABLE(X)
#undef X
};
static const char *const kind_names[] = {
#define X(name, code) code,
	DETECT_ENTITY_KIND_TABLE(X)
#undef X
};
static const char *const tstate_names[] = {
#define X(name, code) code,
	DETECT_TSTATE_TABLE(X)
#undef X
};
static const char *const lstatus_names[] = {
#define X(name, code) code,
	DETECT_LSTATUS_TABLE(X)
#undef X
};
static const char *const oclass_names[] = {
#define X(name, code, text) code,
	DETECT_OCLASS_TABLE(X)
#undef X
};
static const char *const cause_names[] = {
#define X(name, code, text) code,
	DETECT_CAUSE_TABLE(X)
#undef X
};
static const char *const cause_texts[] = {
#define X(name, code, text) text,
	DETECT_CAUSE_TABLE(X)
#undef X
};
static const char *const disc_names[] = {
#define X(name, code, text) code,
	DETECT_DISC_TABLE(X)
#undef X
};
static const char *const disc_texts[] = {
#define X(name, code, text) text,
	DETECT_DISC_TABLE(X)
#undef X
};
static const char *const step_names[] = {
#define X(name, code) code,
	DETECT_STEP_TABLE(X)
#undef X
};

/* The layer of a role is the role itself: keep the two tables aligned. */
_Static_assert((int)LAYER_ROUTER == (int)ROLE_ROUTER && (int)LAYER_DNS == (int)ROLE_DNS &&
		       (int)LAYER_MAIL == (int)ROLE_MAIL && (int)LAYER_WEB == (int)ROLE_WEB &&
		       (int)LAYER_HOST == (int)ROLE_HOST && (int)LAYER_CONTROL == (int)ROLE_CONTROL &&
		       (int)LAYER_BGP == (int)ROLE__COUNT,
	       "LAYER_* must follow ROLE_*");
_Static_assert(DISC__COUNT <= 32 && LAYER__COUNT <= 32, "bit masks are 32 bits");

static const char *name_of(const char *const *t, int n, int i, const char *dflt)
{
	return i >= 0 && i < n ? t[i] : dflt;
}

static int lookup(const char *const *t, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(t[i], s) == 0)
			return i;
	return -1;
}

const char *detect_layer_name(int l)
{
	return name_of(layer_names, COUNT(layer_names), l, "unknown");
}

const char *detect_layer_text(int l)
{
	return name_of(layer_texts, COUNT(layer_texts), l, "unknown");
}

int detect_layer_from_name(const char *s)
{
	return lookup(layer_names, COUNT(layer_names), s);
}

const char *detect_entity_kind_name(int k)
{
	return name_of(kind_names, COUNT(kind_names), k, "unknown");
}

int detect_entity_kind_from_name(const char *s)
{
	return lookup(kind_names, COUNT(kind_names), s);
}

const char *detect_tstate_name(int s)
{
	return name_of(tstate_names, COUNT(tstate_names), s, "unknown");
}

const char *detect_lstatus_name(int s)
{
	return name_of(lstatus_names, COUNT(lstatus_names), s, "unknown");
}

const char *detect_oclass_name(int c)
{
	return name_of(oclass_names, COUNT(oclass_names), c, "unknown");
}

const char *detect_cause_name(int c)
{
	return name_of(cause_names, COUNT(cause_names), c, "unknown");
}

const char *detect_cause_text(int c)
{
	return name_of(cause_texts, COUNT(cause_texts), c, "unknown");
}

int detect_cause_from_name(const char *s)
{
	return lookup(cause_names, COUNT(cause_names), s);
}

const char *detect_disc_name(int d)
{
	return name_of(disc_names, COUNT(disc_names), d, "unknown");
}

const char *detect_disc_text(int d)
{
	return name_of(disc_texts, COUNT(disc_texts), d, "unknown");
}

const char *detect_step_name(int k)
{
	return name_of(step_names, COUNT(step_names), k, "unknown");
}

int detect_outcome_class(int outcome)
{
	if (outcome < 0 || outcome >= OUTCOME__COUNT)
		return OCLASS_NONE;
	/* no default: a new outcome in core/obs.h must be classified here */
	switch ((enum outcome)outcome) {
	case OUTCOME_OK:
		return OCLASS_UP;
	case OUTCOME_TIMEOUT:
		return OCLASS_SILENT;
	case OUTCOME_HOST_UNREACH:
	case OUTCOME_ADMIN_PROHIB:
		return OCLASS_UNREACH;
	case OUTCOME_NET_UNREACH:
	case OUTCOME_TTL_EXCEEDED:
		return OCLASS_NOROUTE;
	case OUTCOME_REFUSED:
	case OUTCOME_PORT_UNREACH:
	case OUTCOME_DNS_REFUSED:
	case OUTCOME_DNS_SERVFAIL:
	case OUTCOME_DNS_NXDOMAIN:
	case OUTCOME_DNS_RCODE:
	case OUTCOME_BAD_REPLY:
	case OUTCOME_HTTP_STATUS:
	case OUTCOME_HTTP_BODY:
	case OUTCOME_TLS:
	case OUTCOME_TOO_LARGE:
	case OUTCOME_SMTP_REJECT:
	case OUTCOME_SMTP_TEMPFAIL: /* 4xx: deferred, but a mail server answered */
	case OUTCOME_PROTOCOL:
		return OCLASS_SERVICE;
	case OUTCOME_LOCAL_ERROR:
	case OUTCOME_RESOLVE:
	case OUTCOME_PROHIBITED:
		return OCLASS_NONE;
	case OUTCOME__COUNT:
		break;
	}
	return OCLASS_NONE;
}
