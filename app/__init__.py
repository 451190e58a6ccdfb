"""The review app: coders review suggested codes, validators sign off city summaries.

``app.main.create_app(store_url)`` builds the FastAPI application on the same store as the
pipeline. The work is done by plain functions (``app.review``, ``app.summaries``,
``app.doublecoding``, ``app.themes``, ``app.auth``); the modules under
``app/routes`` only check permissions, read the request and render a template.
"""
