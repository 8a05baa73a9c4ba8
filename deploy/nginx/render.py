#!/usr/bin/env python3
"""Render deploy/nginx/marque.conf.template: the instances, the ports, the certificate.

    python3 deploy/nginx/render.py [--upstream HOST:PORT]... [--http-port 80]
        [--https-port 443] [--cert PATH] [--key PATH] [--server-name NAME] [-o FILE]

Without arguments it prints deploy/nginx/marque.conf (the compose file's topology: app1:3000 and
app2:3000, the certificate in /etc/nginx/tls). Standard library only, so it runs on a plain VM.
``tests/fleet.py`` renders it for the fleet tests (loopback instances, high ports, a
self-signed certificate in a temporary folder).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "marque.conf.template"
DEFAULT_UPSTREAMS = ("app1:3000", "app2:3000")
DEFAULTS = {
    "http_port": 80,
    "https_port": 443,
    "cert": "/etc/nginx/tls/marque.crt",
    "key": "/etc/nginx/tls/marque.key",
    "server_name": "_",
}
_UPSTREAM = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$|^unix:/[^\s;{}]+$")
_PATH = re.compile(r"^/[^\s;{}'\"]+$")


def render(
    upstreams: list[str] | tuple[str, ...] = DEFAULT_UPSTREAMS,
    *,
    http_port: int = 80,
    https_port: int = 443,
    cert: str = DEFAULTS["cert"],  # type: ignore[assignment]
    key: str = DEFAULTS["key"],  # type: ignore[assignment]
    server_name: str = "_",
    max_fails: int = 1,
    fail_timeout: int = 10,
) -> str:
    """The conf.d file for ``upstreams`` (``host:port``), refusing values nginx would misread."""
    if not upstreams:
        raise ValueError("at least one --upstream HOST:PORT")
    for upstream in upstreams:
        if not _UPSTREAM.match(upstream):
            raise ValueError(f"{upstream!r} is not HOST:PORT")
    for name, port in (("http port", http_port), ("https port", https_port)):
        if not 0 < port < 65536:
            raise ValueError(f"the {name} {port} is not a TCP port")
    for name, path in (("certificate", cert), ("key", key)):
        if not _PATH.match(path):
            raise ValueError(f"the {name} path {path!r} must be absolute, without spaces or ;{{}}")
    if not re.fullmatch(r"[A-Za-z0-9.\-_* ]+", server_name):
        raise ValueError(f"{server_name!r} is not a server_name")
    servers = "\n".join(
        f"    server {upstream} max_fails={max_fails} fail_timeout={fail_timeout}s;" for upstream in upstreams
    )
    values = {
        "UPSTREAM_SERVERS": servers,
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "CERT": cert,
        "KEY": key,
        "SERVER_NAME": server_name,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"unrendered placeholder in {TEMPLATE}: {re.search(r'{{[A-Z_]+}}', text)}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", action="append", help="an instance, HOST:PORT (repeat per instance)")
    parser.add_argument("--http-port", type=int, default=DEFAULTS["http_port"])
    parser.add_argument("--https-port", type=int, default=DEFAULTS["https_port"])
    parser.add_argument("--cert", default=DEFAULTS["cert"])
    parser.add_argument("--key", default=DEFAULTS["key"])
    parser.add_argument("--server-name", default=DEFAULTS["server_name"])
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    args = parser.parse_args(argv)
    try:
        text = render(
            args.upstream or DEFAULT_UPSTREAMS,
            http_port=args.http_port,
            https_port=args.https_port,
            cert=args.cert,
            key=args.key,
            server_name=args.server_name,
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
