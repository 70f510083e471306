/*
 * Linked into the Guard Lambda's Native AOT image (Guard.Function.csproj, target CompileHydratedPrefault).
 *
 * A Native AOT executable keeps its type data (method tables, generic dictionaries, frozen strings) compressed and
 * writes it out at start-up, before Main, into the .hydrated section: 3.3 MiB of zero-filled pages here, written
 * one page at a time, so one page fault each. On the 2-core benchmark machine those ~830 faults were a sixth of the
 * CPU time a cold start spends before its first /next (docs/performance.md). This constructor runs before the
 * runtime's main and asks the kernel for all of those pages in one call instead.
 *
 * Only .hydrated is touched: nothing has written it yet when constructors run (the runtime fills it in main), so
 * mapping its whole pages anew loses nothing. Anything unexpected (no /proc, no such section) leaves the image as
 * it was: the runtime then faults the pages in itself, as it always did.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#define MAX_SECTIONS 128

static int executable_base(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(uintptr_t *)data = info->dlpi_addr; /* the first object listed is the executable */
    return 1;
}

/* Global (hidden, not exported) so the published image's symbols show it was linked in (BootstrapProcessTests). */
__attribute__((constructor, visibility("hidden"))) void guard_prefault_hydrated(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    Elf64_Ehdr header;
    Elf64_Shdr sections[MAX_SECTIONS];
    char names[4096];
    size_t table = 0, names_length = 0;
    int ok = pread(fd, &header, sizeof header, 0) == (ssize_t)sizeof header
        && memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 && header.e_ident[EI_CLASS] == ELFCLASS64
        && header.e_shentsize == sizeof(Elf64_Shdr) && header.e_shnum <= MAX_SECTIONS && header.e_shstrndx < header.e_shnum;
    if (ok)
    {
        table = (size_t)header.e_shnum * sizeof(Elf64_Shdr);
        ok = pread(fd, sections, table, (off_t)header.e_shoff) == (ssize_t)table;
    }
    if (ok)
    {
        Elf64_Shdr *strings = &sections[header.e_shstrndx];
        names_length = strings->sh_size < sizeof names ? strings->sh_size : sizeof names - 1;
        ok = pread(fd, names, names_length, (off_t)strings->sh_offset) == (ssize_t)names_length;
        names[names_length] = 0;
    }
    close(fd);
    if (!ok)
        return;

    uintptr_t base = 0;
    dl_iterate_phdr(executable_base, &base);
    for (int i = 0; i < header.e_shnum; i++)
    {
        if (sections[i].sh_type != SHT_NOBITS || sections[i].sh_name >= names_length
            || strcmp(names + sections[i].sh_name, ".hydrated") != 0)
            continue;
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        /* Whole pages only: the first and last may share bytes with .bss, which constructors may have written. */
        uintptr_t start = (base + sections[i].sh_addr + page - 1) & ~(page - 1);
        uintptr_t end = (base + sections[i].sh_addr + sections[i].sh_size) & ~(page - 1);
        if (end <= start)
            return;
        /* Linux 5.14 and later fault the pages in place; older kernels get a fresh, populated mapping of them. */
#ifndef GUARD_PREFAULT_WITHOUT_MADVISE /* tests define it to take the older kernels' path */
        if (madvise((void *)start, end - start, MADV_POPULATE_WRITE) != 0)
#endif
            mmap((void *)start, end - start, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0);
        return;
    }
}
