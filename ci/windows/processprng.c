/*
 * Test infrastructure only: never ship this DLL.
 *
 * Rust's standard library (1.78 and later) imports ProcessPrng from bcryptprimitives.dll on
 * Windows. Windows 10 and 11 have it; Wine 8.0 (Debian 12's wine64) does not, so every Rust
 * .exe fails to start under it with status c0000135. ci/windows-smoke.sh builds this file into
 * a bcryptprimitives.dll placed beside nskeys.exe (the loader looks there first), so the real
 * binary can be tried under Wine. It fills the buffer from SystemFunction036 (RtlGenRandom,
 * in advapi32), which Wine does have, in chunks its ULONG length can hold.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll processprng.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > (1u << 30) ? (1u << 30) : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
