"""The project's codes matched to the codebook of the run or study, by GUID then by name, and
those missing added when asked (the rules: "Codes" in ``pipeline.exchange.importer``)."""

from __future__ import annotations

import dataclasses
import re

from pipeline.exchange.newstudy import machine_path
from pipeline.exchange.qdc import code_guid, codebook_from_codes
from pipeline.records import Code
from pipeline.store import imports
from pipeline.store.codebooks import codebook_for, stored_codebook
from pipeline.store.studies import ensure_study


class CodeMatching:
    """The import's codes (part of ``importer._Import``: uses its session ``s``, project ``p``,
    ``run``, ``study``, ``shown`` and ``add_missing_codes``)."""

    def codes(self) -> tuple[dict[str, str | None], list[str], list[str], str | None]:
        """(code guid -> qualflow name, or None when dropped; unknown names; added names; codebook id)."""
        book = codebook_for(self.s, self.run) if self.run is not None and self.run.codebook_id else None
        if book is None and self.study is not None:  # a study without runs: its own codebook
            book_id = imports.study_codebook_id(self.s, self.study)
            book = stored_codebook(self.s, book_id or self._project_codebook())
        known = {c.name for c in book.codes} if book else set()
        by_guid = {code_guid(name): name for name in known}
        mapped: dict[str, str | None] = {}
        unknown: list[str] = []
        for code in self.p.codes:
            name = by_guid.get(code.guid) or (code.path if code.path in known else None) or (
                code.name if code.name in known else None) or (
                machine_path(code.path) if machine_path(code.path) in known else None)
            if name is None:
                unknown.append(code.path)
            mapped[code.guid] = name or code.path
        codebook_id = book.id if book else None
        added: list[str] = []
        if unknown and self.add_missing_codes:
            codebook_id = codebook_id or self._project_codebook()
            present = imports.code_names(self.s, codebook_id)
            by_path = {c.path: c for c in self.p.codes}
            new = []
            for name in unknown:
                if name in present:
                    continue
                code = by_path[name]
                new.append(Code(name=name, label=code.name, description=code.description, parent=code.parent,
                                colour=code.colour))
                added.append(name)
            imports.add_imported_codes(self.s, codebook_id, new)
        elif unknown:
            for code in self.p.codes:
                if code.path in unknown:
                    mapped[code.guid] = None
        return mapped, unknown, added, codebook_id

    def _project_codebook(self) -> str:
        """A codebook for the file's codes in a store that has none to add them to."""
        from pipeline.codebook import codebook_to_dict

        slug = re.sub(r"[^\w-]+", "_", self.p.name).strip("_")[:100] or "project"
        codes = self.p.codes
        if self.study is not None:  # a codebook qualflow runs with: machine names, the file's names as labels
            # a codebook needs descriptions; the code's own name is what its coders went by
            codes = [dataclasses.replace(c, path=machine_path(c.path), parent=c.parent and machine_path(c.parent),
                                         description=c.description.strip() or c.name)
                     for c in codes]
        book = codebook_from_codes(codes, name=slug, version=f"qdpx-{self.p.qde_sha256[:8]}",
                                   sha256=self.p.qde_sha256, source=self.shown)
        if self.study is not None:  # the study's codebook: every code of the project, hierarchy kept
            from pipeline.store.repository import write_codebook

            write_codebook(self.s, book, codebook_to_dict(book))
            ensure_study(self.s, self.study, origin="qdpx", codebook_id=book.id)
        else:
            imports.add_codebook_unless_stored(self.s, book, codebook_to_dict(book))
        return book.id
