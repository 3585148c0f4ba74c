"""A forking server for bench/scale.sh: one child per connection.

Each child reads a one-line request (a directory), stats every entry of
it and answers with the count, as a small file server would; the parent
only accepts and reaps. Run it under strace -f: the trace is one parent
and one short child per request.

    python3 fork_server.py PORTFILE REQUESTS      # the server
    python3 fork_server.py --client PORT REQUESTS DIR   # the client
"""
import os
import signal
import socket
import sys


def serve(portfile, requests):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    for _ in range(requests):
        c, _ = s.accept()
        if os.fork() == 0:
            s.close()
            d = c.makefile().readline().strip()
            n = 0
            for name in os.listdir(d):
                try:
                    os.lstat(os.path.join(d, name))
                    n += 1
                except OSError:
                    pass
            c.sendall(b"%d\n" % n)
            c.close()
            os._exit(0)
        c.close()


def client(port, requests, d):
    for _ in range(requests):
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(d.encode() + b"\n")
        c.makefile().readline()
        c.close()


if __name__ == "__main__":
    if sys.argv[1] == "--client":
        client(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        serve(sys.argv[1], int(sys.argv[2]))
