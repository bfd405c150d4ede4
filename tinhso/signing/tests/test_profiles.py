"""The signing key is read once per process while its file is unchanged, and again once it is replaced."""

import os
import shutil

import pytest

from tinhso.signing import profiles


@pytest.mark.django_db
def test_the_key_file_is_read_again_only_once_replaced(signing_pki, tmp_path):
    chosen = profiles.profile()
    first = profiles.load_signer(chosen)
    assert profiles.load_signer(chosen) is first

    replacement = tmp_path / "new.p12"
    shutil.copyfile(chosen.key, replacement)
    os.utime(replacement, ns=(1, 1))
    os.replace(replacement, chosen.key)

    again = profiles.load_signer(chosen)
    assert again is not first
    assert again.signing_cert.dump() == first.signing_cert.dump()
