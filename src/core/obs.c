#include "core/obs.h"

#include <string.h>

static const char *const outcome_codes[] = {
#define X(name, code, text) code,
	OUTCOME_TABLE(X)
#undef X
};
static const char *const outcome_texts[] = {
#define X(name, code, text) text,
	OUTCOME_TABLE(X)
#undef X
};
static const char *const kind_names[] = {
#define X(name, code) code,
	PROBE_KIND_TABLE(X)
#undef X
};
static const char *const role_names[] = {
#define X(name, code) code,
	ROLE_TABLE(X)
#undef X
};

static int lookup(const char *const *table, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(table[i], s) == 0)
			return i;
	return -1;
}

const char *outcome_code(int o)
{
	return o >= 0 && o < OUTCOME__COUNT ? outcome_codes[o] : "unknown";
}

const char *outcome_text(int o)
{
	return o >= 0 && o < OUTCOME__COUNT ? outcome_texts[o] : "unknown outcome";
}

int outcome_from_code(const char *code)
{
	return lookup(outcome_codes, OUTCOME__COUNT, code);
}

const char *probe_kind_name(int k)
{
	return k >= 0 && k < PROBE_KIND__COUNT ? kind_names[k] : "unknown";
}

int probe_kind_from_name(const char *name)
{
	return lookup(kind_names, PROBE_KIND__COUNT, name);
}

const char *role_name(int r)
{
	return r >= 0 && r < ROLE__COUNT ? role_names[r] : "unknown";
}

int role_from_name(const char *name)
{
	return lookup(role_names, ROLE__COUNT, name);
}
