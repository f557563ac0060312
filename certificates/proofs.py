"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (vc-di-eddsa 3.3).

The proof options carry the document's ``@context``; the hash is
``sha256(JCS(proof options)) || sha256(JCS(document without proof))``; the proof is published
with that ``@context``, so that any conforming verifier recomputes the same bytes. Used for
credentials (``certificates.credentials``) and status lists (``certificates.status_list``).
"""

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .did import verification_method
from .signing import CRYPTOSUITE, base58btc, base58btc_decode, jcs, signing_key


def _hash_data(proof_config: dict, document: dict) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def sign(document: dict, *, created: str) -> dict:
    """Attach an eddsa-jcs-2022 Data Integrity proof (Create Proof, vc-di-eddsa 3.3.1).

    The proof options take the document's ``@context`` before they are hashed, and the
    published proof keeps it: a verifier hashes exactly the proof it reads.
    """
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method(),
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = signing_key().sign(_hash_data(proof, document))
    # A set of one proof: VC 2.0 allows an object or a set, Open Badges 3.0's JSON schema
    # accepts only an array (1EdTech openbadges-specification issue #473).
    return {**document, "proof": [{**proof, "proofValue": "z" + base58btc(signature)}]}


def verify(signed: dict, public_key: Ed25519PublicKey) -> bool:
    """Check an eddsa-jcs-2022 proof as the spec's Verify Proof algorithm does (vc-di-eddsa
    3.3.2): the credential as published, no member added back. Used by tests and operators;
    the independent check is tests/verifier/."""
    try:
        proofs = signed["proof"]
        if isinstance(proofs, list):
            if len(proofs) != 1:
                return False
            proofs = proofs[0]
        proof = dict(proofs)
        if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
            return False
        proof_value = proof.pop("proofValue")
        document = {key: value for key, value in signed.items() if key != "proof"}
        if "@context" in proof:
            # The document's contexts must start with the proof's, in the same order.
            contexts = document.get("@context")
            wanted = proof["@context"]
            wanted = wanted if isinstance(wanted, list) else [wanted]
            have = contexts if isinstance(contexts, list) else [contexts]
            if have[: len(wanted)] != wanted:
                return False
            document["@context"] = proof["@context"]
        if not proof_value.startswith("z"):
            return False
        signature = base58btc_decode(proof_value[1:])
        public_key.verify(signature, _hash_data(proof, document))
    except Exception:  # noqa: BLE001 - any failure means "not valid"
        return False
    return True
