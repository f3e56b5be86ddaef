"""The moderator dashboard: server-rendered pages under /dashboard (issue #3).

Pages read through domain verbs; actions are made by the pages' script through the JSON
moderation API, so the dashboard adds no second write path."""
