// gd DIR K CMD : getdents64 one entry per call (32-byte buffer) K times,
// then system(CMD), then getdents64 (64 KiB buffer) to EOF. Prints every name.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
struct d64 { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; };
static int dump(int fd, int bufsz, int calls) {
	char buf[65536]; int n = 0;
	for (int c = 0; calls < 0 || c < calls; c++) {
		long r = syscall(SYS_getdents64, fd, buf, bufsz);
		if (r <= 0) break;
		for (long o = 0; o < r; o += ((struct d64 *)(buf + o))->reclen) {
			struct d64 *d = (struct d64 *)(buf + o);
			printf("%s (off=%lld) ", d->name, d->off); n++;
		}
	}
	return n;
}
int main(int argc, char **argv) {
	int fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (fd < 0) { perror("open"); return 1; }
	printf("phase1: "); dump(fd, 32, atoi(argv[2])); printf("\n"); fflush(stdout);
	if (system(argv[3])) {}
	printf("phase2: "); dump(fd, 65536, -1); printf("\n");
	return 0;
}
