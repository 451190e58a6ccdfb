"""Writing an import's decisions and memos, each only when it is not there already (the
rules: "Decisions" and "Memos" in ``pipeline.exchange.importer``)."""

from __future__ import annotations

from pipeline.store import imports
from pipeline.store.codings import current_codes


class Recording:
    """The import's writes (part of ``importer._Import``: uses its session ``s``, project ``p``,
    ``run`` and ``author``)."""

    def write_decisions(self, units: dict[tuple[int, str, int | None, int | None], set[str]]) -> tuple[int, int]:
        """One ``code`` decision per unit whose code set differs from the person's current one."""
        current = current_codes(self.s, {key[1] for key in units})
        run_id = self.run.id if self.run is not None else None
        written = unchanged = 0
        for (user_id, excerpt_id, start, end), names in sorted(
                units.items(), key=lambda kv: (kv[0][1], kv[0][0], -1 if kv[0][2] is None else kv[0][2])):
            codes = sorted(names)
            now = current.get((user_id, excerpt_id, start, end))
            if now is not None and list(now.codes) == codes:
                unchanged += 1
                continue
            imports.add_coding(self.s, run_id=run_id, excerpt_id=excerpt_id, user_id=user_id, codes=codes, start=start,
                            end=end, source="qdpx")
            written += 1
        return written, unchanged

    def write_memos(self, targets: list, notes_skipped: list[tuple[str, str]]) -> tuple[int, int]:
        """A memo per note (or selection description) and place, unless the same one is there."""

        def same(user_id: int, excerpt_id: str | None, transcript_id: str | None, text: str) -> tuple:
            # a memo on an excerpt is the same memo whether or not it also names the transcript
            return (user_id, excerpt_id, None if excerpt_id else transcript_id, text)

        notes = {n.guid: n for n in self.p.notes}
        existing = {same(*memo) for memo in imports.memos(self.s)}
        written = unchanged = 0
        for ref, author, excerpt_id, transcript_id, text in targets:
            if ref is not None:
                note = notes[ref]
                author, text = self.author(note.user), note.text
                if author is None:
                    notes_skipped.append((ref, "written by qualflow itself"))
                    continue
            if not text.strip():
                continue
            key = same(author.id, excerpt_id, transcript_id, text)
            if key in existing:
                unchanged += 1
                continue
            existing.add(key)
            imports.add_memo(self.s, user_id=author.id, excerpt_id=excerpt_id, transcript_id=transcript_id, text=text)
            written += 1
        return written, unchanged
