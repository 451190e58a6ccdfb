"""Survey exports: ``survey.yaml`` (``schema``), the CSV/XLSX export read into respondents
with bad rows quarantined (``reader``), open answers as transcripts of source type
``survey`` (``transcripts``) and closed items summarised per city (``stats``)."""

from pipeline.survey.reader import Respondent, Survey, load_survey
from pipeline.survey.schema import SURVEY_NAME, SurveyConfig, SurveyItem, check_links, load_survey_config
from pipeline.survey.stats import ClosedItemSummary, summarise

__all__ = [
    "SURVEY_NAME", "ClosedItemSummary", "Respondent", "Survey", "SurveyConfig", "SurveyItem", "check_links",
    "load_survey", "load_survey_config", "summarise",
]
