"""`python -m analysis collect LIST`: a list of article addresses -> stored, scored articles.

command.py runs it: lists.py reads the list (Media Cloud / GDELT DOC CSV, GDELT Events, plain
text), fetch.py asks the web politely (policy.py: how politely), cache.py keeps every answer
worth keeping on disk, pages.py turns a page into an Article. Storing and scoring are the
store's and `score`'s own (Store.add_articles, pipeline.score_pending).
"""
