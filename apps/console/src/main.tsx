import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/ApiProvider';
import { AuthGate } from './app/AuthGate';
import './app/styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider>
      <AuthGate />
    </ApiProvider>
  </StrictMode>,
);
