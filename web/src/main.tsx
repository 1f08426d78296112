import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client';
import { App, requestApiKey } from './app';
import './styles.css';

const askForKeyOn401 = (error: unknown) => {
  if (error instanceof ApiError && error.status === 401) requestApiKey();
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: askForKeyOn401 }),
  mutationCache: new MutationCache({ onError: askForKeyOn401 }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
