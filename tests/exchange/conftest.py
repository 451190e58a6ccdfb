from __future__ import annotations

from pathlib import Path

import pytest

from tests.exchange.study import Study, build_study


@pytest.fixture(scope="session")
def xsd(shared_data) -> Path:
    """The REFI-QDA project schema (not shipped with qualflow: its licence is unclear)."""
    path = shared_data / "refi_qda" / "Project-mrt2019.xsd"
    if not path.exists():
        pytest.skip(f"{path.name} not in the shared data")
    return path


@pytest.fixture(scope="session")
def atlas(shared_data) -> Path:
    folder = shared_data / "refi_qda"
    if not (folder / "target-atlas-project.qdpx").exists():
        pytest.skip("the ATLAS.ti sample projects are not in the shared data")
    return folder


@pytest.fixture
def study(store_url) -> Study:
    """The coded study on SQLite and on PostgreSQL."""
    return build_study(store_url)


@pytest.fixture(scope="session")
def sqlite_export(tmp_path_factory) -> tuple[Study, Path]:
    """The study on SQLite, exported once, for tests that only read the file."""
    from pipeline.exchange import export_qdpx

    folder = tmp_path_factory.mktemp("export")
    study = build_study(f"sqlite:///{folder / 'study.db'}")
    path = folder / "study.qdpx"
    export_qdpx(study.store, "r1", path)
    return study, path
