#include "probe/targets.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static bool is_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	bool alpha = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (isalpha(c) || c == '-' || c == '_')
			alpha = true;
		if (++label > 63)
			return false;
	}
	/* all digits and dots is a broken IPv4 address, not a name */
	return alpha;
}

int target_parse(const char *word, struct target_spec *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!*word) {
		snprintf(err, errlen, "empty target");
		return ERR_PARSE;
	}
	if (strchr(word, '/')) {
		if (prefix_parse(word, &out->prefix)) {
			snprintf(err, errlen,
			         "'%s' is not a valid CIDR prefix (expected ADDRESS/LENGTH, "
			         "e.g. 198.51.100.0/24 or 2001:db8::/64)",
			         word);
			return ERR_PARSE;
		}
		prefix_normalize(&out->prefix);
		return 0;
	}
	if (!prefix_parse(word, &out->prefix))
		return 0;
	if (strchr(word, ':') || !is_hostname(word)) {
		snprintf(err, errlen, "'%s' is not an IP address, CIDR prefix or hostname", word);
		return ERR_PARSE;
	}
	out->name = xstrdup(word);
	return 0;
}

static struct target_spec *list_push(struct target_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	return &l->v[l->n++];
}

int target_list_add_arg(struct target_list *l, const char *word, uint32_t pos, char *err,
                        size_t errlen)
{
	struct target_spec s;
	char why[256];
	if (target_parse(word, &s, why, sizeof why)) {
		snprintf(err, errlen, "argument %u: %s", pos, why);
		return ERR_PARSE;
	}
	s.line = pos;
	s.word = word;
	*list_push(l) = s;
	return 0;
}

int target_list_read(struct target_list *l, FILE *f, const char *fname, char *err, size_t errlen)
{
	if (l->nsources >= UINT16_MAX) {
		snprintf(err, errlen, "%s: too many target files", fname);
		return ERR_PARSE;
	}
	l->sources = xreallocarray(l->sources, l->nsources + 1, sizeof *l->sources);
	l->sources[l->nsources++] = xstrdup(fname);
	uint16_t source = (uint16_t)l->nsources;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint32_t lineno = 0;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			snprintf(err, errlen, "%s:%u: a NUL byte (is this a text file?)", fname,
			         lineno);
			rc = ERR_PARSE;
			goto done;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		char *end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*p)
			continue;
		char *sp = p;
		while (*sp && !isspace((unsigned char)*sp))
			sp++;
		if (*sp) {
			snprintf(err, errlen, "%s:%u: one target per line expected, found '%s'",
			         fname, lineno, p);
			rc = ERR_PARSE;
			goto done;
		}
		struct target_spec s;
		char why[256];
		if (target_parse(p, &s, why, sizeof why)) {
			snprintf(err, errlen, "%s:%u: %s", fname, lineno, why);
			rc = ERR_PARSE;
			goto done;
		}
		s.source = source;
		s.line = lineno;
		*list_push(l) = s;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", fname);
		rc = ERR_IO;
	}
done:
	free(line);
	return rc;
}

void target_list_free(struct target_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addrs);
	}
	free(l->v);
	for (size_t i = 0; i < l->nsources; i++)
		free(l->sources[i]);
	free(l->sources);
	memset(l, 0, sizeof *l);
}

char *target_spec_origin(const struct target_list *l, const struct target_spec *s, char *buf,
                         size_t n)
{
	char word[PREFIX_STRLEN];
	const char *w = s->name ? s->name : s->word;
	if (!w) {
		prefix_format(&s->prefix, word, sizeof word);
		w = word;
	}
	if (s->source && s->source <= l->nsources)
		snprintf(buf, n, "%s:%u ('%s')", l->sources[s->source - 1], s->line, w);
	else
		snprintf(buf, n, "argument %u ('%s')", s->line, w);
	return buf;
}

uint64_t target_spec_count(const struct target_spec *s)
{
	return s->name ? s->naddrs : prefix_size(&s->prefix);
}

void target_spec_addr(const struct target_spec *s, uint64_t i, struct addr *out)
{
	if (s->name)
		*out = s->addrs[i];
	else
		prefix_nth(&s->prefix, i, out);
}

static int port_num(const char *p, const char *end, uint16_t *out)
{
	if (p == end || end - p > 5)
		return ERR_PARSE;
	unsigned v = 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return ERR_PARSE;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return ERR_PARSE;
	*out = (uint16_t)v;
	return 0;
}

int ports_parse(const char *s, uint16_t **ports, size_t *n, char *err, size_t errlen)
{
	*ports = NULL;
	*n = 0;
	uint8_t *seen = xcalloc(65536, 1);
	int rc = 0;
	const char *p = s;
	if (!*p) {
		snprintf(err, errlen, "empty port list (expected e.g. 80, 22,80,443 or 1-65535)");
		rc = ERR_PARSE;
		goto fail;
	}
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *dash = memchr(p, '-', (size_t)(end - p));
		uint16_t lo, hi;
		if (dash ? port_num(p, dash, &lo) || port_num(dash + 1, end, &hi) || lo > hi
		         : port_num(p, end, &lo)) {
			snprintf(err, errlen,
			         "'%.*s' (at byte %zu of '%s') is not a port (1-65535) or a "
			         "range LOW-HIGH",
			         (int)(end - p), p, (size_t)(p - s), s);
			rc = ERR_PARSE;
			goto fail;
		}
		if (!dash)
			hi = lo;
		for (unsigned v = lo; v <= hi; v++)
			seen[v] = 1;
		p = comma ? comma + 1 : end;
		if (comma && !*p) {
			snprintf(err, errlen, "'%s' ends with a comma", s);
			rc = ERR_PARSE;
			goto fail;
		}
	}
	for (unsigned v = 1; v <= 65535; v++)
		*n += seen[v];
	*ports = xmalloc(*n * sizeof **ports);
	size_t k = 0;
	for (unsigned v = 1; v <= 65535; v++)
		if (seen[v])
			(*ports)[k++] = (uint16_t)v;
fail:
	free(seen);
	return rc;
}
