/*
 * hostile.c - small servers that misbehave on purpose, for the probes' tests.
 *
 *   build/helpers/hostile MODE PORTFILE
 *
 * Listens on 127.0.0.1, on a port the kernel picks, writes that port to
 * PORTFILE (then the test knows it is ready), and serves until killed. Every
 * TCP connection is served by a child process that ends when the client goes
 * away or after 30 s at most (alarm), so nothing outlives a test for long.
 *
 * TCP modes:
 *   http-endless-body    200 OK without a length, then 'x' forever
 *   http-drip            200 OK with Content-Length 1000, then one byte a second
 *   http-endless-header  a status line, then one header line that never ends
 *   smtp-endless-banner  "220 " and then text without a line end, forever
 *   smtp-554             "554 5.7.1 ..." as the banner (and 221 to a QUIT)
 *   smtp-421             "421 4.3.2 ..." as the banner
 *   silent               accepts, reads, never says anything (HTTP or SMTP)
 *   smtp-bad-ehlo        a 220 banner, then garbage instead of an EHLO reply
 * UDP modes (DNS; each answers the question it was asked):
 *   dns-loop             an answer record whose name is a compression pointer to itself
 *   dns-wrong-id         a well-formed answer with another ID
 *   dns-truncated        a header announcing an answer, cut in the middle of it
 *   dns-silent           reads queries, never answers
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int listen_on(int type, const char *portfile)
{
	int fd = socket(AF_INET, type, 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		die("listen");
	socklen_t len = sizeof sin;
	getsockname(fd, (struct sockaddr *)&sin, &len);
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	if (rename(tmp, portfile) < 0) /* atomic: the test never reads half a number */
		die("rename");
	return fd;
}

static int put(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int puts_fd(int fd, const char *s)
{
	return put(fd, s, strlen(s));
}

/* Reads until the end of the HTTP request head (or EOF/error): returns 0 if read. */
static int read_request(int fd)
{
	char buf[4096];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return 0;
		if (have == sizeof buf - 1)
			have = 0; /* a huge request: keep reading, the content does not matter */
	}
}

static void serve_tcp(const char *mode, int c)
{
	char block[4096];
	memset(block, 'x', sizeof block);
	if (!strcmp(mode, "http-endless-body")) {
		if (read_request(c) == 0 &&
		    puts_fd(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: "
		               "close\r\n\r\n") == 0)
			while (put(c, block, sizeof block) == 0)
				;
	} else if (!strcmp(mode, "http-drip")) {
		if (read_request(c) == 0 &&
		    puts_fd(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n") == 0)
			while (put(c, "x", 1) == 0)
				sleep(1);
	} else if (!strcmp(mode, "http-endless-header")) {
		if (read_request(c) == 0 && puts_fd(c, "HTTP/1.1 200 OK\r\nX-Endless: ") == 0)
			while (put(c, block, sizeof block) == 0)
				;
	} else if (!strcmp(mode, "smtp-endless-banner")) {
		if (puts_fd(c, "220 ") == 0)
			while (put(c, block, sizeof block) == 0)
				;
	} else if (!strcmp(mode, "smtp-554") || !strcmp(mode, "smtp-421")) {
		puts_fd(c, mode[5] == '5' ? "554 5.7.1 mail.kp.test: no SMTP service here\r\n"
		                          : "421 4.3.2 mail.kp.test: too busy, try later\r\n");
		char buf[512];
		ssize_t n;
		while ((n = read(c, buf, sizeof buf)) > 0)
			if (n >= 4 && !strncmp(buf, "QUIT", 4) && puts_fd(c, "221 bye\r\n") == 0)
				break;
	} else if (!strcmp(mode, "silent")) {
		char buf[512];
		while (read(c, buf, sizeof buf) > 0)
			;
	} else if (!strcmp(mode, "smtp-bad-ehlo")) {
		char buf[512];
		if (puts_fd(c, "220 mail.kp.test ESMTP\r\n") == 0 && read(c, buf, sizeof buf) > 0)
			puts_fd(c, "hello there, this is not SMTP\r\n");
		while (read(c, buf, sizeof buf) > 0)
			;
	}
}

/* Builds the hostile answer to query q (n bytes) into out; returns its length. */
static size_t dns_answer(const char *mode, const unsigned char *q, size_t n, unsigned char *out)
{
	if (n < 12 || n > 512)
		return 0;
	/* the question ends after its name (labels up to the 0) and 4 bytes of type/class */
	size_t i = 12;
	while (i < n && q[i] != 0)
		i += (size_t)q[i] + 1;
	size_t qend = i + 5;
	if (qend > n)
		return 0;
	memcpy(out, q, qend);
	out[2] = 0x84 | (q[2] & 0x01); /* QR, AA; opcode QUERY */
	out[3] = 0;                    /* NOERROR */
	out[4] = 0, out[5] = 1;        /* one question */
	out[6] = 0, out[7] = 1;        /* one answer */
	out[8] = out[9] = out[10] = out[11] = 0;
	size_t len = qend;
	/* an A record for the name asked: pointer to offset 12 */
	unsigned char rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 175, 45, 176, 71};
	if (!strcmp(mode, "dns-loop")) {
		/* the record's name points at itself */
		rr[0] = (unsigned char)(0xc0 | (len >> 8));
		rr[1] = (unsigned char)len;
	}
	memcpy(out + len, rr, sizeof rr);
	len += sizeof rr;
	if (!strcmp(mode, "dns-wrong-id"))
		out[1] ^= 0x5a;
	if (!strcmp(mode, "dns-truncated"))
		len -= 7; /* cut in the middle of the answer record */
	return len;
}

static void serve_udp(const char *mode, int fd)
{
	unsigned char q[1500], a[1500];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		if (!strcmp(mode, "dns-silent"))
			continue;
		size_t len = dns_answer(mode, q, (size_t)n, a);
		if (len)
			sendto(fd, a, len, 0, (struct sockaddr *)&from, fl);
	}
}

/* SIGTERM to the server ends its children too (they share its process group). */
static void on_term(int sig)
{
	(void)sig;
	signal(SIGTERM, SIG_DFL);
	kill(0, SIGTERM);
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hostile MODE PORTFILE\n");
		return 2;
	}
	const char *mode = argv[1];
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* no zombies */
	setpgid(0, 0);
	signal(SIGTERM, on_term);
	if (!strncmp(mode, "dns-", 4)) {
		serve_udp(mode, listen_on(SOCK_DGRAM, argv[2]));
		return 0;
	}
	if (strncmp(mode, "http-", 5) && strncmp(mode, "smtp-", 5) && strcmp(mode, "silent")) {
		fprintf(stderr, "hostile: unknown mode '%s'\n", mode);
		return 2;
	}
	int lfd = listen_on(SOCK_STREAM, argv[2]);
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			close(lfd);
			alarm(30);
			serve_tcp(mode, c);
			_exit(0);
		}
		close(c);
	}
}
