from . import ar_refresh
from . import res_company
from . import res_config_settings
