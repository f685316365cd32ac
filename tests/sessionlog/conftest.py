import pytest


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path, monkeypatch):
    """Never touch the user's real log: every test gets its own SOLEUS_DB."""
    monkeypatch.setenv("SOLEUS_DB", str(tmp_path / "default.db"))


@pytest.fixture
def db(tmp_path):
    return tmp_path / "log.db"
