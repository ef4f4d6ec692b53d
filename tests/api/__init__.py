import pytest

# The permission matrix's shared checks (tests/api/permission_matrix.py) assert as a test
# module does; pytest explains their failures the same way.
pytest.register_assert_rewrite("tests.api.permission_matrix")
