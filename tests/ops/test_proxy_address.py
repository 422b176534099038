"""Behind the council's reverse proxy each person keeps their own address: the web app, as production
starts it, reads X-Forwarded-For from a trusted proxy only, so sign-in throttling and the audit trail
count people, not the proxy (and one person's failures cannot lock out everyone behind it)."""

import os
import re

import sqlalchemy as sa

from ehcna.store.models import AuditRow
from tests.ops.processes import free_port
from tests.ops.test_web_restart import WebApp


async def test_sign_ins_are_counted_by_the_client_address_a_trusted_proxy_gives(dev_server, db, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.env.client.service_client.config.target_host,
        "EHCNA_DATABASE_URL": db.url,
        "EHCNA_WEB_PORT": str(port),
        "EHCNA_SECRET_KEY": "proxy-test-secret",
        "EHCNA_TRUSTED_PROXIES": "127.0.0.1",
    }
    web = WebApp(env, port, tmp_path)
    await web.start()
    try:
        async with web.client() as http:
            for client_address in ("203.0.113.7", "198.51.100.9"):
                form = (await http.get("/sign-in")).text
                token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
                await http.post(
                    "/sign-in",
                    data={"csrf_token": token, "username": "nobody", "password": "guess"},
                    headers={"X-Forwarded-For": client_address},
                )
    finally:
        await web.stop()
    with db.sessions() as s:
        rows = s.scalars(sa.select(AuditRow).where(AuditRow.action == "sign_in_refused")).all()
    assert sorted(r.detail["address"] for r in rows) == ["198.51.100.9", "203.0.113.7"]
