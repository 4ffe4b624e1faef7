"""gongzhi's built-in plugins. Each registers under the ``gongzhi.plugins`` entry
point group exactly as a third-party package would; none is imported unless enabled."""
