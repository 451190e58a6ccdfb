"""Who an imported coding or note is recorded for (the rules: "Who" in
``pipeline.exchange.importer``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.errors import InvalidInput
from pipeline.exchange.qdaxml import MACHINE_GUID, MACHINE_USER
from pipeline.store import imports

if TYPE_CHECKING:  # the rows the store hands back
    from pipeline.store.models import User

NEVER_IMPORTED_AS = ("admin", "validator")
"""Roles whose judgement an imported file must never speak for."""


class Authors:
    """The import's people (part of ``importer._Import``: uses its session ``s``, ``shown``,
    ``coder``, the file's users ``users_by_guid``, the operator's mapping ``mapped``,
    ``keep_users``, the accounts ``people`` and fills ``created`` and ``authors``)."""

    def person(self, name: str, role: str) -> User:
        user = self.people.get(name)
        if user is None:
            user = imports.add_person(self.s, name, role)
            self.people[name] = user
            self.created.append(name)
        return user

    def _may_hold_imports(self, account: str, how: str) -> None:
        user = self.people.get(account)
        if user is not None and user.role in NEVER_IMPORTED_AS:
            raise InvalidInput(self.shown, f"{how}: {account!r} is a{'n' if user.role == 'admin' else ''} "
                                           f"{user.role} account; imported work is recorded only for coders")

    def author(self, file_user: str | None) -> User | None:
        """Who a coding or note is recorded for (see the module notes); ``None`` for
        qualflow's own suggestions."""
        named = self.users_by_guid.get(file_user) if file_user else None
        if file_user == MACHINE_GUID or (named is not None and named.name == MACHINE_USER):
            return None
        claimed = named.name if named is not None and named.name else None
        if claimed in self.mapped:
            user = self.person(self.mapped[claimed], "external")
        elif claimed is not None and self.keep_users:
            existing = self.people.get(claimed[:80])
            if existing is not None and existing.role != "external":
                raise InvalidInput(self.shown, f"the file's user {claimed!r} has the name of a {existing.role} "
                                               f"account; map it explicitly (--user '{claimed}=ACCOUNT')")
            user = self.person(claimed[:80], "external")
        else:
            user = self.person(self.coder, "coder")
        if claimed is not None:
            self.authors[claimed] = user.username
        return user
