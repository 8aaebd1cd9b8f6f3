"""What users run: the `qa` command line (`cli`, its shared `options`), `qa index` keeping a store
up to date with files (`index_plan` says what a run changes, `indexing` carries it out), the
chat's saved collection (`collection`), and what the chat and the CLI show: answers as text,
JSON and Markdown (`formatting`) and a document with a cited sentence highlighted
(`source_view`). app.py builds the Gradio interface on top of these.
"""

from qa.serve.collection import Added, Collection
from qa.serve.index_plan import IndexPlan, plan_index
from qa.serve.indexing import IndexReport, index_paths

__all__ = ["Added", "Collection", "IndexPlan", "IndexReport", "index_paths", "plan_index"]
