"""The served web app logs each request by its path, never its query string (which may hold a
child's surname, UPN or date of birth), with uvicorn run as ``ehcna web`` runs it."""

import asyncio
import logging
import socket

import httpx
import uvicorn

from ehcna.bootstrap import web_server_options
from ehcna.settings import Settings

SURNAME = "".join(("Surname", "zz"))  # built, so a traceback quoting this source is no false leak
BORN = "-".join(("2015", "03", "27"))


async def test_a_search_for_a_surname_is_logged_by_its_path_only(api, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    client_side = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    for name in client_side:  # the test's own client names the URLs it asks for; the server must not
        logging.getLogger(name).setLevel(logging.WARNING)
    options = {k: v for k, v in web_server_options(Settings()).items() if k not in ("host", "port")}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(api.app, lifespan="off", **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.get("/api/worklist", params={"q": SURNAME}, headers=api.auth("officer"))
            assert r.status_code == 200
            assert (await http.get("/cases", params={"q": SURNAME, "dob": BORN})).status_code == 303
    finally:
        server.should_exit = True
        await task
        sock.close()
        for name, level in client_side.items():
            logging.getLogger(name).setLevel(level)
    out, err = capfd.readouterr()
    served = [r.getMessage() for r in caplog.records]
    logs = "\n".join([*served, out, err])
    assert SURNAME not in logs and BORN not in logs
    assert "/api/worklist" in logs and "/cases" in logs  # each request is still logged, by its path
