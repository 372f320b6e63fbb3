"""Imports every model module, so that ``Base.metadata`` knows all tables (Alembic needs this)."""

from roaming.accounts import models as accounts  # noqa: F401
from roaming.audit import models as audit  # noqa: F401
from roaming.catalogue import models as catalogue  # noqa: F401
from roaming.coordinator import models as coordinator  # noqa: F401
from roaming.events import models as events  # noqa: F401
from roaming.followup import models as followup  # noqa: F401
from roaming.ledger import models as ledger  # noqa: F401
from roaming.members import models as members  # noqa: F401
from roaming.notify import models as notify  # noqa: F401
from roaming.peers import models as peers  # noqa: F401
from roaming.visits import models as visits  # noqa: F401
from roaming.worker import models as worker  # noqa: F401
