"""Every component id of the page, in one place (tests and callbacks import them from here)."""
from dashboard.charts import CHARTS, framing_by_outlet

URL = "url"
DATA_VERSION = "data-version"  # dcc.Store: bumps when uploads change the store
SELECTED_ARTICLE = "selected-article"  # dcc.Store: id of the article shown in the detail panel
VIEW_QUERY = "view-query"  # dcc.Store: the filters (as a query string) the charts and table show
TABLE_REFRESH = "table-refresh"  # dcc.Store: dummy output of the clientside grid refresh

OUTLET_FILTER = "outlet-filter"
DATE_FILTER = "date-filter"
LABEL_FILTER = "label-filter"
SEARCH_FILTER = "search-filter"
SCOPE_FILTER = "scope-filter"  # all articles, or the story's core thread only
ROWS_FILTER = "rows-filter"  # per-outlet charts: the outlets with most articles, or every one
CLEAR_FILTERS = "clear-filters"
SUMMARY = "filter-summary"

CHART_IDS = tuple(CHARTS)  # each chart module names its own id; the registry orders them
OUTLET_CHART = framing_by_outlet.CHART_ID  # its points open an article
CHARTS_SECTION = "charts-section"
EMPTY_STATE = "empty-state"

EXPORT_FORMATS = ("png", "svg", "html", "csv")
EXPORT_BUTTON = "export-button"  # pattern-matching type: {"type": EXPORT_BUTTON, "chart": id, "fmt": fmt}
EXPORT_ALL = "export-all"
DOWNLOAD = "download"
EXPORT_MESSAGE = "export-message"

TABLE = "article-table"
DETAIL = "article-detail"

UPLOAD = "upload"
UPLOAD_MESSAGES = "upload-messages"
UPLOAD_PAYLOAD = "upload-payload"  # dcc.Store: uploads that passed the in-browser size check
UPLOAD_REFUSED = "upload-refused"  # message when the browser refuses an oversized upload
UPLOAD_OUTLET = "upload-outlet"  # outlet for the upload's articles that name none
UPLOAD_DATE = "upload-date"  # date for the upload's articles that give none
UPLOADS_LINK = "uploads-link"  # to /uploads, the list of uploaded articles (signed-in users)
JOBS = "jobs"  # dcc.Store: ids of the background jobs this page started
JOB_POLL = "job-poll"  # dcc.Interval: asks for their progress while one is running
JOB_STATUS = "job-status"  # their progress and, when done, one line per file

SIGN_IN = "sign-in"
SIGNED_IN_AS = "signed-in-as"
CODE_LINK = "code-link"  # to /code, for signed-in coders and admins

FOOTER = "footer"
VALIDITY_LINK = "validity-link"
METHOD_LINK = "method-link"


def export_button(chart_id: str, fmt: str) -> dict:
    """The pattern-matching id of one export button."""
    return {"type": EXPORT_BUTTON, "chart": chart_id, "fmt": fmt}
