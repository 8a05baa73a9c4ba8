"""deploy/nginx/marque.conf: rendered from its template, accepted by nginx, and saying what the
fleet needs (TLS, HTTP -> HTTPS, websocket upgrade, round robin without stickiness, forwarded
headers, timeouts). The fleet itself is driven through it in tests/e2e/test_fleet.py."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.fleet import ROOT, Fleet, FleetError, render_module, require_nginx

CONF = ROOT / "deploy" / "nginx" / "marque.conf"


def test_the_committed_conf_is_the_template_rendered_with_its_defaults() -> None:
    assert CONF.read_text() == render_module().render(), (
        "run: python3 deploy/nginx/render.py -o deploy/nginx/marque.conf"
    )


def test_the_conf_says_what_the_fleet_needs() -> None:
    text = re.sub(r"#.*", "", CONF.read_text())
    upstream = re.search(r"upstream marque_app \{(.*?)\}", text, re.S)
    assert upstream and upstream.group(1).count("server ") == 2
    # round robin: no stickiness of any kind
    assert not re.search(r"\b(ip_hash|hash|sticky|least_conn)\b", upstream.group(1))
    assert "listen 443 ssl" in text and "ssl_certificate " in text and "TLSv1.3" in text
    assert "return 301 https://$host$request_uri;" in text
    event = re.search(r"location /_event \{(.*?)\}", text, re.S)
    assert event and "proxy_pass http://marque_app;" in event.group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $marque_connection;" in text and "proxy_http_version 1.1;" in text
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    # the app's own redirects keep the browser's host and port, and https
    assert "proxy_set_header Host $http_host;" in text
    assert "proxy_redirect http://$http_host/ https://$http_host/;" in text
    for timeout in ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout"):
        assert timeout in text


def test_render_puts_ports_and_instances_in_place_and_refuses_nonsense() -> None:
    render = render_module().render
    text = render(["127.0.0.1:4001", "127.0.0.1:4002", "127.0.0.1:4003"], http_port=8080, https_port=8443)
    assert text.count("server 127.0.0.1:40") == 3
    assert "listen 8443 ssl http2;" in text and "listen 8080;" in text
    assert "return 301 https://$host:8443$request_uri;" in text
    for bad in (
        dict(upstreams=[]),
        dict(upstreams=["app1:3000; evil"]),
        dict(upstreams=["app1"]),
        dict(https_port=70000),
        dict(cert="relative.pem"),
        dict(key="/tmp/k; include /etc/passwd"),
    ):
        with pytest.raises(ValueError):
            render(**bad)


def test_nginx_accepts_the_fleet_conf(tmp_path) -> None:
    """``nginx -t`` on the conf tests/fleet.py renders (a self-signed certificate, own prefix)."""
    try:
        nginx = require_nginx()
    except FleetError as err:
        pytest.fail(str(err), pytrace=False)
    fleet = Fleet(tmp_path, db_url="sqlite://", redis_url="redis://127.0.0.1:6379/0", setup=False)
    conf = fleet.nginx_conf()
    check = subprocess.run(
        [str(nginx), "-p", str(fleet.nginx_dir), "-c", str(conf), "-e", str(fleet.nginx_dir / "error.log"), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr
    assert "syntax is ok" in check.stderr
