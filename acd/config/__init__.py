"""The center's configuration: one YAML file, validated when loaded.

Errors::

    ConfigError            every problem found, each as FILE:LINE: PATH: message
"""

from acd.config.loader import ConfigError, Problem, load_config
from acd.config.model import CenterConfig

__all__ = ["CenterConfig", "ConfigError", "Problem", "load_config"]
