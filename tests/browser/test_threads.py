"""Long threads: paging top-level comments and replies, and deep replies shown flattened."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGE_SIZE = 20


def sign_up_by_api(api, name: str) -> str:
    email = name.lower().replace(" ", ".") + "@example.org"
    body = {"email": email, "password": "correct horse battery staple", "name": name}
    return api("POST", "/auth/signup", body)["token"]


def post_by_api(api, token: str, body: str, parent_id: int | None = None) -> dict:
    payload = {"thread": "demo-frontline-report", "body": body}
    if parent_id is not None:
        payload["parent_id"] = parent_id
    return api("POST", "/comments", payload, token)


def test_load_more_comments_and_replies(townhall, api, new_page, box):
    token = sign_up_by_api(api, "Busy Reader")
    first = post_by_api(api, token, "Comment number 0")
    for n in range(1, PAGE_SIZE + 3):
        post_by_api(api, token, f"Comment number {n}")
    for n in range(PAGE_SIZE + 2):
        post_by_api(api, token, f"Reply number {n}", parent_id=first["id"])

    page = new_page()
    page.goto(townhall.url + "/")
    comments = box(page)
    top_level = comments.locator(".townhall__list > li > article")
    expect(comments.get_by_role("heading", name=f"{2 * PAGE_SIZE + 5} comments")).to_be_visible()
    expect(top_level).to_have_count(PAGE_SIZE)
    comments.get_by_role("button", name="Load more comments").click()
    expect(top_level).to_have_count(PAGE_SIZE + 3)
    expect(comments.get_by_role("button", name="Load more comments")).to_be_hidden()

    # The oldest comment, now on screen, carries its first page of replies and a button.
    thread = comments.locator("li", has=page.locator(f"#townhall-comment-{first['id']}")).last
    replies = thread.locator(".townhall__replies article")
    expect(replies).to_have_count(PAGE_SIZE)
    thread.get_by_role("button", name="Show more replies").click()
    expect(replies).to_have_count(PAGE_SIZE + 2)
    expect(thread.get_by_role("button", name="Show more replies")).to_have_count(0)
    expect(replies.last).to_contain_text(f"Reply number {PAGE_SIZE + 1}")


def test_deep_replies_are_flattened_with_in_reply_to(townhall, api, new_page, box):
    ana = sign_up_by_api(api, "Ana Deep")
    ben = sign_up_by_api(api, "Ben Deep")
    parent = post_by_api(api, ana, "Depth zero")
    chain = []
    for depth in range(1, 6):
        author = ben if depth % 2 else ana
        parent = post_by_api(api, author, f"Depth {depth}", parent_id=parent["id"])
        chain.append(parent)

    page = new_page()
    page.goto(townhall.url + "/")
    comments = box(page)
    for comment in chain:
        expect(page.locator(f"#townhall-comment-{comment['id']}")).to_be_visible()
    depth_four = page.locator(f"#townhall-comment-{chain[3]['id']}")
    depth_five = page.locator(f"#townhall-comment-{chain[4]['id']}")
    expect(depth_four.get_by_text("in reply to Ben Deep")).to_be_visible()
    expect(depth_five.get_by_text("in reply to Ana Deep")).to_be_visible()
    expect(page.locator(f"#townhall-comment-{chain[1]['id']}")).not_to_contain_text("in reply to")
    # Depth 4 and 5 sit at depth 3, under the depth-2 comment's list, not nested deeper.
    expect(comments.locator('li[data-depth="3"]')).to_have_count(3)


def test_deleting_a_comment_with_replies_leaves_a_placeholder(
    townhall, api, new_page, box, sign_up, post
):
    page = new_page()
    page.goto(townhall.url + "/")
    comments = box(page)
    sign_up(page, "Della Placeholder", "della@example.org")
    article = post(page, "I will regret this comment.")
    comment_id = article.get_attribute("id").rsplit("-", 1)[1]
    other = sign_up_by_api(api, "Rory Replier")
    post_by_api(api, other, "A reply that outlives its parent.", parent_id=int(comment_id))

    page.reload()
    article = page.locator(f"#townhall-comment-{comment_id}")
    reply = comments.get_by_role("article", name="Rory Replier")
    article.get_by_role("button", name="Delete").click()
    article.get_by_role("button", name="Yes, delete").click()
    expect(article).to_have_text("This comment was deleted.")
    # The reply itself, not its excerpt in Della's notification list.
    expect(reply.get_by_text("A reply that outlives its parent.")).to_be_visible()

    page.reload()
    expect(article).to_have_text("This comment was deleted.")
    expect(article.get_by_role("button")).to_have_count(0)
    # The reply itself, not its excerpt in Della's notification list.
    expect(reply.get_by_text("A reply that outlives its parent.")).to_be_visible()
