// Which documents are Dockerfiles, apart from the hover itself: activation registers the hover's stand-in on it.
import type * as vscode from 'vscode';

export const DOCKERFILE_SELECTOR: vscode.DocumentSelector = [
  { language: 'dockerfile' },
  { scheme: 'file', pattern: '**/{Dockerfile,Containerfile,*.dockerfile,*.containerfile,Dockerfile.*,Containerfile.*}' },
];

/** Dockerfiles on disk: an image is built from a file, and the lenses keep its pairing by the file's name. */
export const DOCKERFILES_ON_DISK: vscode.DocumentFilter[] = (DOCKERFILE_SELECTOR as vscode.DocumentFilter[]).map((f) => ({ ...f, scheme: 'file' }));
