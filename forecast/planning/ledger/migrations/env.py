"""Alembic environment of the forecast ledger: always run on the connection the ledger opened
(inside its transaction and lock), never from an alembic.ini."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
