"""Roles on every moderator route (#3 item 6): a reader gets 403, a moderator of site A gets
403 or 404 for site B's comments, clusters, users and stories and sees only A in its lists,
global moderators and admins act everywhere. The table below must name every moderator
route the app has: a new route fails this test until it is added with its call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Reader
from tests.hardening.routes import routes
from tests.moderation.conftest import promote
from tests.moderation.sites import make_site, site_moderator
from townhall.cli.main import main
from townhall.domain.services import Services
from townhall.store import moderation as moderation_store
from townhall.store import sites as site_store


@dataclass
class World:
    """Two sites, each with a held comment by an author who wrote only there, a story and a
    cluster; ``ids[site]`` names them for the calls."""

    mod_a: Reader
    ids: dict[str, dict[str, Any]]


@pytest.fixture
def world(make_reader: Any, services: Services) -> World:
    ids: dict[str, dict[str, Any]] = {}
    for slug in ("kyiv", "lviv"):
        site = make_site(services, slug, moderation_mode="premoderated")
        author = make_reader(f"Author on {slug}")
        held = author.post(
            f"Who pays for the new bridge? ({slug})", thread=f"{slug}-story", site=slug
        )
        assert held["status"] == "pending"
        with services.db.write() as conn:
            cluster = moderation_store.create_cluster(
                conn, site_id=site["id"], thread_id=None, kind="near-duplicate", label=slug, now=1
            )
            moderation_store.join_cluster(conn, [held["id"]], cluster)
        ids[slug] = {
            "comment": held["id"],
            "user": author.user["id"],  # type: ignore[index]
            "cluster": cluster,
            "thread": f"{slug}-story",
            "site": slug,
            "notice": 999_999,  # no such notice: the access check answers first
            "hook": 999_999,  # no such webhook, nor delivery: admins only, checked first
            "delivery": 999_999,
            "provider": 999_999,  # no such provider: admins only, checked first
        }
    mod_a = site_moderator(services, make_reader("Kyiv desk"), "kyiv")
    return World(mod_a, ids)


# (method, path, body): {comment}, {user}, {cluster}, {thread}, {site} name the target site's.
CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/moderation/comments/{comment}", None),
    ("POST", "/api/v1/moderation/decisions", {"comment_ids": ["{comment}"], "action": "reject"}),
    ("POST", "/api/v1/moderation/clusters/{cluster}/decision", {"action": "reject"}),
    ("PUT", "/api/v1/moderation/users/{user}/standing", {"state": "banned"}),
    (
        "PUT",
        "/api/v1/moderation/threads/mode",
        {"thread": "{thread}", "site": "{site}", "mode": "closed"},
    ),
    ("GET", "/api/v1/moderation/users/{user}/notes", None),
    ("POST", "/api/v1/moderation/users/{user}/notes", {"text": "Watch this one."}),
    ("GET", "/api/v1/moderation/sites/{site}/settings", None),
    ("PUT", "/api/v1/moderation/sites/{site}/settings", {"moderation_max_links": 1}),
    ("PUT", "/api/v1/moderation/sites/{site}/roles", {"email": "x@example.org", "role": None}),
    # Queue actions (#3B): a site moderator on their sites' comments.
    ("PUT", "/api/v1/moderation/comments/{comment}/featured", {"featured": True}),
    ("PATCH", "/api/v1/moderation/comments/{comment}", {"body": "Edited.", "note": "Typo"}),
    ("GET", "/api/v1/moderation/comments/{comment}/revisions", None),
    # Illegal-content notices (#3B): a site moderator decides their sites' notices.
    (
        "POST",
        "/api/v1/moderation/notices/{notice}/decision",
        {"decision": "keep", "statement": "Lawful criticism of a public official."},
    ),
    # Webhooks (#5): admins only.
    ("GET", "/api/v1/moderation/sites/{site}/webhooks", None),
    (
        "POST",
        "/api/v1/moderation/sites/{site}/webhooks",
        {"url": "https://example.org/hook", "events": ["comment.created"]},
    ),
    ("POST", "/api/v1/moderation/sites/{site}/webhooks/{hook}/secret", None),
    ("DELETE", "/api/v1/moderation/sites/{site}/webhooks/{hook}", None),
    ("POST", "/api/v1/moderation/sites/{site}/webhooks/{hook}/ping", None),
    ("GET", "/api/v1/moderation/sites/{site}/webhooks/{hook}/deliveries", None),
    ("POST", "/api/v1/moderation/sites/{site}/webhooks/{hook}/deliveries/{delivery}/retry", None),
    # OpenID Connect providers (#5): admins only.
    ("GET", "/api/v1/moderation/sites/{site}/oidc-providers", None),
    (
        "POST",
        "/api/v1/moderation/sites/{site}/oidc-providers",
        {
            "name": "Newsroom",
            "issuer": "https://id.example.org",
            "client_id": "townhall",
            "client_secret": "not-a-real-secret",
        },
    ),
    ("DELETE", "/api/v1/moderation/sites/{site}/oidc-providers/{provider}", None),
]
# Lists: a site moderator gets 200 with only their sites' rows (checked below).
LISTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/moderation/overview", None),
    ("GET", "/api/v1/moderation/queues/{name}", None),
    ("GET", "/api/v1/moderation/audit", None),
    ("GET", "/api/v1/moderation/search", None),
    ("GET", "/api/v1/moderation/notices", None),
]


def fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**names)
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value


def call(who: Reader, method: str, path: str, body: Any, names: dict[str, Any]) -> Any:
    kwargs = {"json": fill(body, names)} if body is not None else {}
    return who.http.request(method, fill(path, {"name": "pending", **names}), **kwargs)


def present(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in routes(app):
        if route.path.startswith("/api/v1/moderation"):
            found |= {(m, route.path) for m in route.methods if m != "HEAD"}
    return found


def normalised(path: str) -> str:
    """The table's placeholders as the app's path parameters."""
    for ours, theirs in (
        ("{comment}", "{comment_id}"),
        ("{user}", "{user_id}"),
        ("{cluster}", "{cluster_id}"),
        ("{notice}", "{notice_id}"),
        ("{hook}", "{hook_id}"),
        ("{delivery}", "{delivery_id}"),
        ("{provider}", "{provider_id}"),
    ):
        path = path.replace(ours, theirs)
    return path


def test_the_table_names_every_moderator_route(app: Any) -> None:
    table = {(m, normalised(p)) for m, p, _ in CALLS + LISTS}
    missing = present(app) - table
    assert not missing, f"add these moderator routes to CALLS or LISTS: {sorted(missing)}"


def test_readers_and_strangers_are_refused_on_every_moderator_route(
    app: Any, world: World, make_reader: Any, anonymous: Reader
) -> None:
    reader = make_reader()
    for method, path, body in CALLS + LISTS:
        if (method, normalised(path)) not in present(app):
            continue  # a route of the table this build does not have yet
        answer = call(reader, method, path, body, world.ids["kyiv"])
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["detail"], path  # problem+json that says what is wrong
        answer = call(anonymous, method, path, body, world.ids["kyiv"])
        assert answer.status_code == 401, (method, path)


def test_a_moderator_of_one_site_cannot_act_on_another(app: Any, world: World) -> None:
    for method, path, body in CALLS:
        if (method, normalised(path)) not in present(app):
            continue
        answer = call(world.mod_a, method, path, body, world.ids["lviv"])
        assert answer.status_code in (403, 404), (method, path, answer.status_code, answer.text)
        if answer.status_code == 404:
            assert (
                "sites you moderate" in answer.json()["detail"]
                or "no site" in answer.json()["detail"]
            ), path


def test_a_site_moderator_sees_and_decides_their_own_site(
    world: World, make_reader: Any, services: Services
) -> None:
    mod, kyiv, lviv = world.mod_a, world.ids["kyiv"], world.ids["lviv"]
    queue = mod.http.get("/api/v1/moderation/queues/clusters").json()["comments"]
    assert [c["id"] for c in queue] == [kyiv["comment"]]
    counts = mod.http.get("/api/v1/moderation/overview").json()
    assert counts["counts"]["clusters"] == 1 and len(counts["clusters"]) == 1
    details = mod.http.get(f"/api/v1/moderation/comments/{kyiv['comment']}")
    assert details.status_code == 200
    notes = mod.http.post(
        f"/api/v1/moderation/users/{kyiv['user']}/notes", json={"text": "Second warning."}
    )
    assert notes.status_code == 201
    mode = {"thread": kyiv["thread"], "site": "kyiv", "mode": "premoderated"}
    assert mod.http.put("/api/v1/moderation/threads/mode", json=mode).status_code == 200
    decided = mod.http.post(
        f"/api/v1/moderation/clusters/{kyiv['cluster']}/decision", json={"action": "approve"}
    )
    assert decided.status_code == 200 and decided.json()["decided"] == 1
    # A multi-selection with one comment of the other site is refused as a whole.
    mixed = mod.http.post(
        "/api/v1/moderation/decisions",
        json={"comment_ids": [kyiv["comment"], lviv["comment"]], "action": "reject"},
    )
    assert mixed.status_code == 404
    assert mod.http.get("/api/v1/moderation/queues/clusters").json()["comments"] == []
    audit = mod.http.get("/api/v1/moderation/audit").json()["entries"]
    assert audit and all(e["site_id"] in (None, world_site_id(services, "kyiv")) for e in audit)

    # The global moderator still sees and acts on both sites.
    desk = promote(services, make_reader("Desk"))
    pending = desk.http.get("/api/v1/moderation/queues/clusters").json()["comments"]
    assert [c["id"] for c in pending] == [lviv["comment"]]
    assert desk.http.get(f"/api/v1/moderation/comments/{kyiv['comment']}").status_code == 200


def world_site_id(services: Services, slug: str) -> int:
    with services.db.read() as conn:
        site = site_store.by_slug(conn, slug)
    assert site is not None
    return int(site["id"])


def test_a_site_role_given_and_taken_back_by_an_admin(make_reader: Any, services: Services) -> None:
    make_site(services, "kyiv")
    admin = promote(services, make_reader("Chief"), "admin")
    newcomer = make_reader("Newcomer", email="new.desk@example.org")
    assert newcomer.http.get("/api/v1/moderation/overview").status_code == 403
    granted = admin.http.put(
        "/api/v1/moderation/sites/kyiv/roles",
        json={"email": "new.desk@example.org", "role": "moderator"},
    )
    assert granted.status_code == 200, granted.text
    assert newcomer.http.get("/api/v1/moderation/overview").status_code == 200
    staff = admin.http.get("/api/v1/moderation/sites/kyiv/settings").json()["staff"]
    assert [(s["name"], s["role"]) for s in staff] == [("Newcomer", "moderator")]
    admin.http.put(
        "/api/v1/moderation/sites/kyiv/roles", json={"email": "new.desk@example.org", "role": None}
    )
    assert newcomer.http.get("/api/v1/moderation/overview").status_code == 403
    unknown = admin.http.put(
        "/api/v1/moderation/sites/kyiv/roles", json={"email": "nobody@example.org", "role": None}
    )
    assert unknown.status_code == 422 and "create it first" in unknown.json()["detail"]


def test_the_command_line_grants_a_site_role(
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    app: Any,
    services: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TOWNHALL_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("TOWNHALL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TOWNHALL_NEW_PASSWORD", "correct horse battery")
    make_site(services, "kyiv")
    assert main(["users", "create", "desk@example.org", "--moderator", "--site", "kyiv"]) == 0
    assert "desk@example.org is a moderator on site kyiv" in capsys.readouterr().out
    desk = Reader(app)
    signed = desk.http.post(
        "/api/v1/auth/signin",
        json={"email": "desk@example.org", "password": "correct horse battery"},
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["user"]["role"] == "reader"  # not a moderator of every site
    assert desk.http.get("/api/v1/moderation/overview").status_code == 200
    assert main(["users", "role", "desk@example.org", "reader", "--site", "kyiv"]) == 0
    assert desk.http.get("/api/v1/moderation/overview").status_code == 403
    assert main(["users", "role", "desk@example.org", "moderator", "--site", "nope"]) == 2
    assert "no site called 'nope'" in capsys.readouterr().err
    assert main(["users", "role", "desk@example.org", "moderator"]) == 0
    assert desk.http.get("/api/v1/moderation/queues/pending").status_code == 200
