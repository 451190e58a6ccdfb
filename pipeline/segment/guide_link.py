"""Link interviewer questions to the interview guide's sections.

Interviewers paraphrase the guide, so questions are matched by character n-gram TF-IDF
cosine against every guide question (any language); a question that matches nothing well
keeps the section of the previous question, because interviews follow the guide in order.
"""

from __future__ import annotations

from pipeline.records import InterviewGuide

# Paraphrased guide questions score about 0.7 and above; generic follow-ups ("Can you give an
# example?", "Tell me more.") score 0.3-0.35 against the closest guide question.
MATCH_THRESHOLD = 0.45


class GuideLinker:
    def __init__(self, guide: InterviewGuide) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.guide = guide
        self._sections = [q.section for q in guide.questions]
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform([q.text for q in guide.questions])

    def best_match(self, question: str) -> tuple[str | None, float]:
        if not question.strip() or not self._sections:
            return None, 0.0
        scores = (self._matrix @ self._vectorizer.transform([question]).T).toarray().ravel()
        best = int(scores.argmax())
        return self._sections[best], float(scores[best])

    def sections_for(self, questions: list[str]) -> list[str | None]:
        """Section of each question in interview order (carrying the last match forward)."""
        current: str | None = None
        out = []
        for question in questions:
            section, score = self.best_match(question)
            if section is not None and score >= MATCH_THRESHOLD:
                current = section
            out.append(current)
        return out
