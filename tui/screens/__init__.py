"""The core sections (views shown in the content area) and modal screens."""
