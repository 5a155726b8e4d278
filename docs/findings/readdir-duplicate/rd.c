// kernfs readdir duplicate/skip experiment.
// Each "round" forks a child that unshares a NEW net+mount namespace, mounts a
// sysfs instance for that netns on /tmp/readdirdup/sys, creates N ifb devices
// via rtnetlink, and runs trials:
//   full listing -> open dir -> getdents64 with buffer of exactly k entries
//   -> delete/rename one device -> getdents64 to end -> check dups/skips.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <net/if.h>

#define MNT "/tmp/readdirdup/sys"
#define MAXE 256

struct ld64 { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; };

static int nls;
static unsigned seqno = 1;

static void addattr(struct nlmsghdr *n, int type, const void *d, int len) {
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	rta->rta_type = type; rta->rta_len = RTA_LENGTH(len);
	if (len) memcpy(RTA_DATA(rta), d, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}
static int nltalk(struct nlmsghdr *n) {
	n->nlmsg_seq = seqno++;
	if (send(nls, n, n->nlmsg_len, 0) < 0) { perror("send"); exit(1); }
	char buf[8192];
	int len = recv(nls, buf, sizeof buf, 0);
	if (len < 0) { perror("recv"); exit(1); }
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);
		return e->error;
	}
	return -999;
}
struct req { struct nlmsghdr n; struct ifinfomsg i; char buf[1024]; };
static void link_add(const char *name) {
	struct req r; memset(&r, 0, sizeof r);
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.n.nlmsg_type = RTM_NEWLINK;
	r.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	addattr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	struct rtattr *li = (struct rtattr *)((char *)&r.n + NLMSG_ALIGN(r.n.nlmsg_len));
	addattr(&r.n, IFLA_LINKINFO, NULL, 0);
	addattr(&r.n, IFLA_INFO_KIND, "ifb", 3);
	li->rta_len = (char *)&r.n + r.n.nlmsg_len - (char *)li;
	int e = nltalk(&r.n);
	if (e) { fprintf(stderr, "link_add %s: %s\n", name, strerror(-e)); exit(1); }
}
static void link_del(const char *name) {
	struct req r; memset(&r, 0, sizeof r);
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.n.nlmsg_type = RTM_DELLINK;
	r.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	addattr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	int e = nltalk(&r.n);
	if (e) { fprintf(stderr, "link_del %s: %s\n", name, strerror(-e)); exit(1); }
}
static void link_rename(const char *old, const char *nw) {
	struct req r; memset(&r, 0, sizeof r);
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.n.nlmsg_type = RTM_NEWLINK;
	r.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r.i.ifi_index = if_nametoindex(old);
	if (!r.i.ifi_index) { fprintf(stderr, "no idx %s\n", old); exit(1); }
	addattr(&r.n, IFLA_IFNAME, nw, strlen(nw) + 1);
	int e = nltalk(&r.n);
	if (e) { fprintf(stderr, "rename %s->%s: %s\n", old, nw, strerror(-e)); exit(1); }
}

struct ent { char name[64]; int reclen; };

// read directory with given fd and buffer size until EOF or maxcalls calls; append to out
static int rd(int fd, int bufsz, int maxcalls, struct ent *out, int *n) {
	char buf[65536];
	for (int c = 0; maxcalls < 0 || c < maxcalls; c++) {
		long r = syscall(SYS_getdents64, fd, buf, bufsz);
		if (r < 0) { perror("getdents64"); exit(1); }
		if (r == 0) return 0;
		for (long o = 0; o < r;) {
			struct ld64 *d = (struct ld64 *)(buf + o);
			snprintf(out[*n].name, 64, "%s", d->name);
			out[*n].reclen = d->reclen;
			(*n)++;
			o += d->reclen;
		}
	}
	return 1;
}
static int full(const char *dir, struct ent *out) {
	int n = 0, fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) { perror(dir); exit(1); }
	rd(fd, 65536, -1, out, &n);
	close(fd);
	return n;
}
static void pl(const char *tag, struct ent *e, int n) {
	printf("  %s:", tag);
	for (int i = 0; i < n; i++) printf(" %s", e[i].name);
	printf("\n");
}

static long trials, dups, skips;
static int verbose_left = 0;
static long cat_t[2][2][2], cat_d[2][2][2], cat_s[2][2][2]; // [dir][mode][next?]
static int cur_dir;

// mode: 0 = delete, 1 = rename.  vsel: -1 = next entry, otherwise index in full listing
static void trial(const char *dir, int N, const char *pfx, int k, int vidx, int mode, int onebyone) {
	char names[MAXE][16];
	for (int i = 0; i < N; i++) { snprintf(names[i], 16, "%s%d", pfx, i); link_add(names[i]); }
	struct ent f[MAXE]; int fn = full(dir, f);
	struct ent got[MAXE * 2]; int gn = 0;
	int ok = 1;
	if (vidx >= fn || k >= fn || !strcmp(f[vidx].name, "lo") || f[vidx].name[0] == '.') ok = 0;
	if (ok) {
		int fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (onebyone) {
			rd(fd, 32, k, got, &gn); // 32 bytes: exactly one entry per call (names <= 12 chars)
		} else {
			int sz = 0; for (int i = 0; i < k; i++) sz += f[i].reclen;
			rd(fd, sz, 1, got, &gn);
		}
		int gk = gn;
		char vic[64]; strcpy(vic, f[vidx].name);
		char nn[16] = "";
		if (mode == 0) link_del(vic);
		else { snprintf(nn, 16, "R%s", vic); link_rename(vic, nn); }
		rd(fd, 65536, -1, got, &gn);
		close(fd);
		trials++;
		int nx = (vidx == k); cat_t[cur_dir][mode][nx]++;
		// checks
		int bad = 0; char msg[512] = "";
		if (gk != k) { bad = 1; snprintf(msg, sizeof msg, "first phase got %d entries not %d", gk, k); }
		for (int i = 0; i < gn; i++) for (int j = i + 1; j < gn; j++)
			if (!strcmp(got[i].name, got[j].name)) { bad = 2; dups++; snprintf(msg + strlen(msg), 100, " DUP:%s", got[i].name); }
		for (int i = 0; i < fn; i++) {
			if (!strcmp(f[i].name, vic)) continue;
			int c = 0; for (int j = 0; j < gn; j++) if (!strcmp(f[i].name, got[j].name)) c++;
			if (c == 0) { bad = 3; skips++; snprintf(msg + strlen(msg), 100, " SKIP:%s", f[i].name); }
		}
		if (bad == 2) cat_d[cur_dir][mode][nx]++;
		if (bad == 3 || strstr(msg, "SKIP")) cat_s[cur_dir][mode][nx]++;
		if (bad || verbose_left > 0) {
			if (!bad) verbose_left--;
			printf("%s dir=%s N=%d k=%d %s %s%s%s onebyone=%d %s\n", bad ? "BAD" : "ok", dir, N, k,
			       mode ? "rename" : "delete", vic, mode ? "->" : "", nn, onebyone, msg);
			pl("before", f, fn);
			pl("got   ", got, gn);
			printf("  (first %d entries read before mutation)\n", gk);
		}
		// cleanup devices
		if (mode == 1) link_del(nn);
	}
	for (int i = 0; i < N; i++) {
		if (ok && mode == 0 && !strcmp(names[i], f[vidx].name)) continue;
		if (ok && mode == 1 && !strcmp(names[i], f[vidx].name)) continue;
		link_del(names[i]);
	}
}

static void round_child(int round, int Nmin, int Nmax) {
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) { perror("unshare"); exit(1); }
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) { perror("mount private"); exit(1); }
	if (mount("none", MNT, "sysfs", 0, NULL)) { perror("mount sysfs"); exit(1); }
	nls = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(nls, (struct sockaddr *)&sa, sizeof sa)) { perror("bind"); exit(1); }
	const char *dirs[] = { MNT "/class/net", MNT "/devices/virtual/net" };
	const char *pfxs[] = { "i", "x", "ab", "q" };
	const char *pfx = pfxs[round % 4];
	for (int di = 0; di < 2; di++)
	for (int N = Nmin; N <= Nmax; N += (N >= 12 ? 4 : 1)) {
		cur_dir = di; long t0 = trials, d0 = dups, s0 = skips;
		int total = N + 3; // . .. lo + N
		for (int mode = 0; mode < 2; mode++)
		for (int k = 1; k < total; k++) {
			// victim = the next entry (index k): the saved cursor node
			trial(dirs[di], N, pfx, k, k, mode, (k + N) & 1);
			// also victim = some other entry (random index)
			int v = rand() % total;
			trial(dirs[di], N, pfx, k, v, mode, (k + N + 1) & 1);
		}
		printf("SUMMARY round=%d dir=%s N=%d trials=%ld dups=%ld skips=%ld\n", round, dirs[di], N, trials - t0, dups - d0, skips - s0);
	}
	for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) for (int c = 0; c < 2; c++)
		printf("CAT round=%d dir=%s op=%s victim=%s trials=%ld dup_trials=%ld skip_trials=%ld\n", round, dirs[a], b ? "rename" : "delete", c ? "next(cursor)" : "random", cat_t[a][b][c], cat_d[a][b][c], cat_s[a][b][c]);
	printf("round %d (netns %d) done: trials=%ld dups=%ld skips=%ld\n", round, round, trials, dups, skips);
	fflush(stdout);
	exit(dups || skips ? 2 : 0);
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 4;
	int Nmin = argc > 2 ? atoi(argv[2]) : 3, Nmax = argc > 3 ? atoi(argv[3]) : 30;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int r = 0; r < rounds; r++) {
		srand(r + 1);
		pid_t p = fork();
		if (p == 0) round_child(r, Nmin, Nmax);
		int st; waitpid(p, &st, 0);
		printf("child round %d exit status %d\n", r, WEXITSTATUS(st));
	}
	return 0;
}
