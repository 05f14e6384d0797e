import type { ReadRestriction, ViewerTokenClaims, ViewerTokenVerifier } from './authenticate.ts';

/** The store secret (AccessStore.getOrCreateSecret) that signs viewer tokens, shared by every node. */
export const VIEWER_TOKEN_SECRET_NAME = 'viewer-token-signing-key';

export interface MintRequest {
  tenant: string;
  restriction: ReadRestriction | null;
  /** Seconds the token lives. */
  ttlSeconds: number;
  issuedBy: string;
}

export interface MintedToken {
  token: string;
  tokenId: string;
  expiresAt: number;
}

export interface ViewerTokenService extends ViewerTokenVerifier {
  mint(request: MintRequest, now: number): MintedToken;
}

/** TODO(viewer tokens helper): sign and verify `vvt_` tokens with HMAC-SHA256 under `secret`. */
export function createViewerTokenService(secret: Buffer): ViewerTokenService {
  void secret;
  return {
    mint() {
      throw new Error('viewer tokens are not implemented yet');
    },
    verify(): ViewerTokenClaims | null {
      return null;
    },
  };
}
