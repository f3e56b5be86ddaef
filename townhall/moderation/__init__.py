"""The moderation pipeline: stages that screen every new or edited comment (issue #3).

Stages run cheapest first and each records why it acted. Third parties add their own stage
with ``Pipeline.register``, the same way the built-in ones are added.
"""
