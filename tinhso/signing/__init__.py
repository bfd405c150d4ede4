import warnings

# pyHanko imports cryptography's DSA module, deprecated there; the platform never signs or accepts DSA keys.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko.*")
