# Swaps a directory inside a reconcile root with a symlink to an outside directory and back, as fast as it
# can, with renameat2(RENAME_EXCHANGE): one atomic syscall per swap, so the path is always either the real
# directory or the symlink, never absent. Node has no renameat2; ctypes calls glibc's. Prints 'ready', then
# the count of full out-and-back swaps every 500, and 'stopped N' on SIGTERM. Used by test/support/swapper.ts
# and bench/hardening.bench.mjs. An optional third argument pauses that many microseconds after each
# out-and-back swap, so the directory is in place most of the time and the work it races completes too.
import ctypes, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
inside, parked = sys.argv[1].encode(), sys.argv[2].encode()
pause = int(sys.argv[3]) / 1e6 if len(sys.argv) > 3 else 0
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
def exchange():
    if libc.renameat2(-100, inside, -100, parked, 2) != 0:  # AT_FDCWD, RENAME_EXCHANGE
        raise OSError(ctypes.get_errno(), 'renameat2')
swaps = 0
print('ready', flush=True)
while not stop:
    for _ in range(500):
        exchange()  # out: the symlink is at the inside path
        exchange()  # back: the directory is in place again
        swaps += 1
        if pause:
            time.sleep(pause)
    print(swaps, flush=True)
print('stopped', swaps, flush=True)
