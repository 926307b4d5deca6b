/* What a job can do inside the runc sandbox, one "name value" line each; compiled statically by
 * tests/integration/runner/test_sandbox_hardening.py and run as the image's entrypoint. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IO_URING_SETUP 425 /* the same number on every architecture */
#define VSOCK_FAMILY 40

static void socket_family(const char *name, int family, int type) {
    int fd = socket(family, type, 0);
    printf("socket_%s %d\n", name, fd >= 0 ? 0 : errno);
    if (fd >= 0)
        close(fd);
}

static long bytes_readable(const char *path) {
    char buf[4096];
    long total = 0, n;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    while ((n = read(fd, buf, sizeof buf)) > 0 && total < (1 << 20))
        total += n;
    close(fd);
    return total;
}

static long entries(const char *path) {
    long count = 0;
    DIR *dir = opendir(path);
    struct dirent *entry;
    if (!dir)
        return -errno;
    while ((entry = readdir(dir)))
        count += strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..");
    closedir(dir);
    return count;
}

int main(void) {
    unsigned char params[120] = {0};
    unsigned inside = 0, outside = 0, size = 0;
    char map[256] = {0};
    int sv[2], fd;

    printf("io_uring_setup %d\n", syscall(IO_URING_SETUP, 4, params) >= 0 ? 0 : errno);
    socket_family("unix", AF_UNIX, SOCK_STREAM);
    socket_family("inet", AF_INET, SOCK_STREAM);
    socket_family("inet6", AF_INET6, SOCK_DGRAM);
    socket_family("netlink", AF_NETLINK, SOCK_RAW);
    socket_family("vsock", VSOCK_FAMILY, SOCK_STREAM);
    socket_family("packet", AF_PACKET, SOCK_DGRAM);
    printf("socketpair_netlink %d\n", socketpair(AF_NETLINK, SOCK_RAW, 0, sv) == 0 ? 0 : errno);
    fd = open("/proc/self/uid_map", O_RDONLY);
    if (fd >= 0 && read(fd, map, sizeof map - 1) > 0)
        sscanf(map, "%u %u %u", &inside, &outside, &size);
    printf("uid %d\nuid_map_host %u\n", (int)getuid(), outside);
    printf("kallsyms_bytes %ld\n", bytes_readable("/proc/kallsyms"));
    printf("sys_firmware_entries %ld\n", entries("/sys/firmware"));
    printf("sys_kernel_entries %ld\n", entries("/sys/kernel"));
    fd = open("/bencher/output/created", O_WRONLY | O_CREAT, 0644);
    printf("output_writable %d\n", fd >= 0 ? 1 : 0);
    return 0;
}
