# Watches directories with inotify(7) and counts every event that means a file or directory in them
# was opened, read, created, written, renamed in or deleted: IN_OPEN, IN_ACCESS, IN_CREATE, IN_MODIFY,
# IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE (directories opened for a listing included, IN_ISDIR).
# The kernel reports them whoever opens the file and by whatever path, so a test that swaps a
# directory for a symlink can prove nothing was opened behind it. Node has no inotify binding that
# reports opens; ctypes calls glibc's. Prints 'ready' once the watches are in place; on SIGTERM,
# one JSON line: {"events": N, "sample": [...first 20 as "MASKS name"...]}.
import ctypes, json, os, select, signal, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
NAMES = {0x1: 'ACCESS', 0x2: 'MODIFY', 0x8: 'CLOSE_WRITE', 0x20: 'OPEN', 0x80: 'MOVED_TO', 0x100: 'CREATE', 0x200: 'DELETE', 0x40000000: 'ISDIR'}
MASK = 0x1 | 0x2 | 0x8 | 0x20 | 0x80 | 0x100 | 0x200
fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
if fd < 0:
    raise OSError(ctypes.get_errno(), 'inotify_init1')
paths = {}
for directory in sys.argv[1:]:
    wd = libc.inotify_add_watch(fd, directory.encode(), MASK)
    if wd < 0:
        raise OSError(ctypes.get_errno(), 'inotify_add_watch ' + directory)
    paths[wd] = directory
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
events = 0
sample = []
def drain():
    global events
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        offset = 0
        while offset < len(data):
            wd, mask, _cookie, length = struct.unpack_from('iIII', data, offset)
            name = data[offset + 16:offset + 16 + length].rstrip(b'\0').decode('utf8', 'replace')
            offset += 16 + length
            if mask & MASK:
                events += 1
                if len(sample) < 20:
                    flags = '|'.join(label for bit, label in NAMES.items() if mask & bit)
                    sample.append(f"{flags} {paths.get(wd, '?')}/{name}")
print('ready', flush=True)
while not stop:
    select.select([fd], [], [], 0.05)
    drain()
drain()
print(json.dumps({'events': events, 'sample': sample}), flush=True)
