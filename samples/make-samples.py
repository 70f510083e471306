#!/usr/bin/env python3
"""Builds the sample packages the README's quick start checks. Deterministic: same bytes on every run.

The executables are minimal hand-made static ELF files (a single PT_LOAD that calls exit(0)), so the
samples stay a few hundred bytes and need no compiler.
"""
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EPOCH = (2024, 1, 1, 0, 0, 0)


def static_elf(machine: int) -> bytes:
    """ELF64 little-endian ET_EXEC with one PT_LOAD; the code is exit(0) for that machine."""
    if machine == 62:  # EM_X86_64: mov eax, 60; xor edi, edi; syscall
        code = bytes([0xB8, 0x3C, 0, 0, 0, 0x31, 0xFF, 0x0F, 0x05])
    else:  # EM_AARCH64: mov x0, #0; mov x8, #93; svc #0
        code = struct.pack("<III", 0xD2800000, 0xD2800BA8, 0xD4000001)
    base, header, phdr = 0x400000, 64, 56
    entry = base + header + phdr
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, entry, header, 0, 0, header, phdr, 1, 0, 0, 0)
    size = header + phdr + len(code)
    program = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + program + code


def write_zip(name: str, files: list[tuple[str, bytes, int | None]]) -> None:
    with zipfile.ZipFile(HERE / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content, mode in files:
            info = zipfile.ZipInfo(path, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is None:
                info.create_system = 0  # MS-DOS/Windows: no Unix mode recorded
                info.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE
            else:
                info.create_system = 3
                info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, content)


x86_64 = static_elf(62)
write_zip("function.zip", [("bootstrap", x86_64, 0o755)])
write_zip("made-on-windows.zip", [("bootstrap", x86_64, None)])
write_zip("go1x-main.zip", [("main", x86_64, 0o755)])
write_zip("zipped-folder.zip", [("dist/bootstrap", x86_64, 0o755)])
print("samples written to", HERE)
