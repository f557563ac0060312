#!/usr/bin/env node
/*
 * Independent verifier of the credentials Tsunagari serves (tests/verifier/README.md).
 *
 *   node verify.js https://<site>/certificates/<code>.json   # a served credential
 *   node verify.js /path/to/credential.json                  # a stored (or tampered) copy
 *
 * Verifies with Digital Bazaar's @digitalbazaar/vc + data-integrity + eddsa-jcs-2022, the way a
 * wallet would: JSON-LD contexts come only from npm packages and the repository's vendored
 * Open Badges context (never from the network); the issuer's did:web document and the
 * Bitstring Status List are fetched from the site, as any verifier must.
 *
 * Also expands the credential in JSON-LD safe mode (jsonld.js): a member no context defines
 * makes it unverified.
 *
 * Prints one JSON line: {"verified": bool, "revoked": bool|null, "expanded": bool,
 * "errors": [...]} and exits 0 when verified and not revoked, 1 otherwise.
 */
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

import jsonld from 'jsonld';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as bitstringContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as didContext from 'did-context';

const here = path.dirname(fileURLToPath(import.meta.url));
const OB_CONTEXT_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const MULTIKEY_CONTEXT_URL = 'https://w3id.org/security/multikey/v1';

const contexts = new Map();
for(const pkg of [credentialsContext, dataIntegrityContext, multikeyContext,
  bitstringContext, didContext]) {
  for(const [url, document] of pkg.contexts) {
    contexts.set(url, document);
  }
}
contexts.set(OB_CONTEXT_URL, JSON.parse(await readFile(
  path.join(here, '..', '..', 'certificates', 'jsonld', 'ob-context-3.0.3.json'),
  'utf8')));

// did:web:<host>[%3A<port>][:<path>...] -> https://<host>[:<port>]/.well-known/did.json
// (or /<path>/did.json). http only for a server on this machine (the test's live server).
function didWebUrl(did) {
  const [host, ...segments] = did.slice('did:web:'.length).split(':')
    .map(decodeURIComponent);
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
  const scheme = local ? 'http' : 'https';
  const rest = segments.length ? segments.join('/') + '/did.json' :
    '.well-known/did.json';
  return `${scheme}://${host}/${rest}`;
}

async function fetchJson(url) {
  const response = await fetch(url, {headers: {Accept: 'application/json'}});
  if(!response.ok) {
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = await fetchJson(didWebUrl(did));
    if(didDocument.id !== did) {
      throw new Error(`DID document at ${didWebUrl(did)} is for ${didDocument.id}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = (didDocument.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not listed in its DID document`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': MULTIKEY_CONTEXT_URL, ...method}
    };
  }
  if(/^https?:\/\/[^/]+\/certificates\/status\/\d+\.json$/.test(url)) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`Refusing to load ${url} (contexts are loaded offline only)`);
}

function messages(error) {
  if(!error) {
    return [];
  }
  const list = Array.isArray(error) ? error : [error];
  return list.flatMap(e => [
    e.message || String(e), ...(e.errors || []).flatMap(messages)
  ]);
}

async function main() {
  const source = process.argv[2];
  if(!source) {
    console.error('usage: node verify.js <credential URL or file>');
    process.exit(2);
  }
  const credential = /^https?:/.test(source) ?
    await fetchJson(source) : JSON.parse(await readFile(source, 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  let revoked = null;
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus: async options => {
      const status = await checkStatus({...options, suite, documentLoader});
      if(status.verified) {
        revoked = status.results.some(r => r.status === true);
      }
      return status;
    }
  });
  // JSON-LD safe mode: no term may be dropped or left relative; and none may fall through to
  // the VC 2.0 "issuer-dependent" vocabulary (a term no context defines).
  let expanded = false;
  try {
    const expansion = await jsonld.expand(credential, {documentLoader, safe: true});
    const undefinedTerms = JSON.stringify(expansion).match(
      /https:\/\/www\.w3\.org\/ns\/credentials\/issuer-dependent#[^"]*/g);
    if(undefinedTerms) {
      throw new Error(`terms defined by no context: ${undefinedTerms.join(', ')}`);
    }
    expanded = true;
  } catch(error) {
    result.verified = false;
    result.expansionError = error;
  }
  const errors = [
    ...messages(result.expansionError),
    ...messages(result.error),
    ...(result.results || []).flatMap(r => messages(r.error)),
    ...messages(result.statusResult?.error)
  ];
  console.log(JSON.stringify({verified: result.verified, revoked, expanded, errors}));
  process.exit(result.verified && revoked === false ? 0 : 1);
}

main().catch(error => {
  console.log(JSON.stringify({verified: false, revoked: null, errors: [error.message]}));
  process.exit(1);
});
