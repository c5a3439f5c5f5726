# pydevd's extension namespace (a pkgutil namespace shared with debugpy's own copy):
# pydevd imports every module under pydevd_plugins.extensions found on sys.path.
import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)
