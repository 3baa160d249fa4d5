"""Alembic environment shared by every service (see kit/migrate.py for how it is called).

The caller puts the target metadata (the service's own and the kit's messaging tables) in
``config.attributes``; the URL comes from the service's settings.
"""

from alembic import context

from kit.db import make_engine

config = context.config
target_metadata = config.attributes["target_metadata"]
url = config.get_main_option("sqlalchemy.url")


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
