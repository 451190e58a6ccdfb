"""HTTP routes. Each checks its permission through ``app.web.require`` and calls plain functions."""
