/*
 * Linked into the Guard Lambda's Native AOT image (Guard.Function.csproj, target CompileHydratedPrefault).
 *
 * A Native AOT executable keeps its type data (method tables, generic dictionaries, frozen strings) compressed and
 * writes it out at start-up, before Main, into the .hydrated section: 3.5 MiB of zero-filled pages here. Written
 * one 4 KiB page at a time, each page costs a fault, and on a virtual machine whose pages the hypervisor maps lazily
 * (nested virtualisation, as on the 2-core benchmark machine) its first touch costs microseconds more even after the
 * kernel has populated it: together over a quarter of the CPU time a cold start spent before its first /next
 * (docs/performance.md). This constructor runs before the runtime's main and
 *   - asks for the 2 MiB-aligned span around the section as transparent huge pages, when the link left that span to
 *     the section alone (Native/hydrated_hugepages.ld pads it with 2 MiB on each side): about two pages to fault and
 *     touch instead of ~900;
 *   - then asks the kernel for all of the section's pages in one call.
 *
 * Only .hydrated and its padding are touched: nothing has written them yet when constructors run (the runtime fills
 * the section in main), so mapping their whole pages anew loses nothing. Anything unexpected (no /proc, no such
 * section, no padding, a kernel without huge pages) leaves the image as it was or with 4 KiB pages: the runtime
 * then faults in what is missing itself, as it always did.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#define MAX_SECTIONS 128
#define HUGE_PAGE ((uintptr_t)2 << 20)

static int find_section(const Elf64_Shdr *sections, int count, const char *names, size_t names_length, const char *name)
{
    for (int i = 0; i < count; i++)
        if (sections[i].sh_name < names_length && strcmp(names + sections[i].sh_name, name) == 0)
            return i;
    return -1;
}

/*
 * Whether [from, to), the 2 MiB-aligned span around .hydrated at [first, last), is the section and the link's padding
 * only: the padding reaches from below `from` up to the section and from the section up past `to`, and no other
 * allocated section lies in the span.
 */
static int only_hydrated_in(const Elf64_Shdr *sections, int count, const char *names, size_t names_length,
                            uintptr_t base, uintptr_t from, uintptr_t first, uintptr_t last, uintptr_t to)
{
    int padded = 0;
    for (int i = 0; i < count; i++)
    {
        if (!(sections[i].sh_flags & SHF_ALLOC) || sections[i].sh_size == 0 || sections[i].sh_name >= names_length)
            continue;
        const char *name = names + sections[i].sh_name;
        uintptr_t low = base + sections[i].sh_addr, high = low + sections[i].sh_size;
        if (strcmp(name, ".hydrated") == 0)
            continue;
        int below = strcmp(name, ".hydrated.before") == 0 && low <= from && high <= first;
        int above = strcmp(name, ".hydrated.after") == 0 && low >= last && high >= to;
        if ((below || above) && sections[i].sh_type == SHT_NOBITS)
            padded++;
        else if (low < to && high > from)
            return 0;
    }
    return padded == 2;
}

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
    int hydrated = find_section(sections, header.e_shnum, names, names_length, ".hydrated");
    if (hydrated < 0 || sections[hydrated].sh_type != SHT_NOBITS)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t first = base + sections[hydrated].sh_addr, last = first + sections[hydrated].sh_size;
    /* Whole pages only: the first and last may share bytes with .bss, which constructors may have written. */
    uintptr_t start = (first + page - 1) & ~(page - 1);
    uintptr_t end = last & ~(page - 1);
    if (end <= start)
        return;
    /*
     * Huge pages where the link left room for them (hydrated_hugepages.ld): the 2 MiB-aligned span around the
     * section is asked for as transparent huge pages when no section but .hydrated and its padding lies in it.
     * Without the padding, or where the kernel has no huge pages, the pages stay 4 KiB ones.
     */
    uintptr_t huge_start = first & ~(HUGE_PAGE - 1);
    uintptr_t huge_end = (last + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (only_hydrated_in(sections, header.e_shnum, names, names_length, base, huge_start, first, last, huge_end))
        madvise((void *)huge_start, huge_end - huge_start, MADV_HUGEPAGE);
    /* Linux 5.14 and later fault the pages in place; older kernels get a fresh, populated mapping of them. */
#ifndef GUARD_PREFAULT_WITHOUT_MADVISE /* tests define it to take the older kernels' path */
    if (madvise((void *)start, end - start, MADV_POPULATE_WRITE) != 0)
#endif
        mmap((void *)start, end - start, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0);
}
