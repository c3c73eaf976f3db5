"""Signatures: officials' X.509 certificates, the trust store, PAdES signing of procedural
documents (server-side from a PKCS#12 key, or embedding a CMS made by the official's signing
application) and their verification. The public interface is `tergeu.signing.services`."""
