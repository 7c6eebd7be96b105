// Which documents are Dockerfiles, apart from the hover itself: activation registers the hover's stand-in on it.
import type * as vscode from 'vscode';

export const DOCKERFILE_SELECTOR: vscode.DocumentSelector = [
  { language: 'dockerfile' },
  { scheme: 'file', pattern: '**/{Dockerfile,Containerfile,*.dockerfile,*.containerfile,Dockerfile.*,Containerfile.*}' },
];
