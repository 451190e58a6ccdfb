"""Link interviewer questions to the interview guide's sections.

Interviewers paraphrase the guide, and character n-gram similarity alone cannot tell a
paraphrased guide question (0.3-0.4 against its section) from a generic follow-up such as
"Can you give an example?" (also about 0.3). What decides is order: semi-structured
interviews walk through the guide's sections in order, occasionally skipping one or going
back. So the whole sequence of questions is aligned to the sequence of sections with a
Viterbi pass: each question scores its similarity to each section's questions (any
language), staying in a section costs nothing, moving forward costs a little per skipped
section, moving back costs a lot. A follow-up then stays in the section of the question
before it, and a weak but ordered paraphrase lands where it belongs.
"""

from __future__ import annotations

import numpy as np

from pipeline.records import InterviewGuide

SKIP_COST = 0.05
"""Per section skipped when moving forward (and per section before the first one)."""
BACK_COST = 0.6
"""For going back to an earlier section: needs a clearly better match to happen."""


class GuideLinker:
    def __init__(self, guide: InterviewGuide) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.guide = guide
        self.sections = list(guide.sections)
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform([q.text for q in guide.questions])
        index = {s: i for i, s in enumerate(self.sections)}
        self._section_of_row = np.array([index[q.section] for q in guide.questions])

    def scores(self, questions: list[str]) -> np.ndarray:
        """``(len(questions), len(sections))``: each question's best similarity within each section."""
        sims = (self._vectorizer.transform(questions) @ self._matrix.T).toarray()
        out = np.zeros((len(questions), len(self.sections)))
        for j in range(len(self.sections)):
            cols = self._section_of_row == j
            if cols.any():
                out[:, j] = sims[:, cols].max(axis=1)
        return out

    def best_match(self, question: str) -> tuple[str | None, float]:
        """The single most similar section, ignoring order (for diagnostics)."""
        if not question.strip() or not self.sections:
            return None, 0.0
        row = self.scores([question])[0]
        return self.sections[int(row.argmax())], float(row.max())

    def sections_for(self, questions: list[str]) -> list[str | None]:
        """The section of each question of one interview, in interview order."""
        if not questions or not self.sections:
            return [None] * len(questions)
        emit = self.scores(questions)
        n, k = emit.shape
        steps = np.arange(k)
        move = steps[None, :] - steps[:, None]  # move[a, b]: from section a to section b
        transition = np.where(move >= 0, -SKIP_COST * np.maximum(move - 1, 0), -BACK_COST)
        score = emit[0] - SKIP_COST * steps
        back = np.zeros((n, k), dtype=int)
        for i in range(1, n):
            total = score[:, None] + transition
            back[i] = total.argmax(axis=0)
            score = total.max(axis=0) + emit[i]
        path = [int(score.argmax())]
        for i in range(n - 1, 0, -1):
            path.append(int(back[i][path[-1]]))
        return [self.sections[j] for j in reversed(path)]
